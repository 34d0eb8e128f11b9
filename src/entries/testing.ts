// swedbank-pay-temporal/testing: Temporal servers for tests and local runs, with this package's search
// attributes: the dev server (with Web UI) and the time-skipping test server. They need
// @temporalio/testing, an optional peer dependency; without it they say how to install it.
export { startDevServer, startTimeSkippingServer, type DevServerOptions } from '../temporal/servers.js';
export { MissingPeerDependencyError } from '../temporal/testing-package.js';
export {
  resolveTemporalBinary,
  describeBinary,
  TemporalBinaryError,
  type ResolvedBinary,
  type TemporalBinaryName,
} from '../temporal/binaries.js';
export { installQuietRuntime } from '../temporal/logging.js';
