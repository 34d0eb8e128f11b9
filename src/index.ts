// Public entry point of the package.
export { TASK_QUEUE } from './contract.js';
export * from './search-attributes.js';
export { formatAmount, isMinorUnits } from './domain/amount.js';
export { createWorker, workflowsPath, type CreateWorkerOptions } from './worker.js';
export { startDevServer, startTimeSkippingServer, type DevServerOptions } from './temporal/servers.js';
export {
  resolveTemporalBinary,
  describeBinary,
  TemporalBinaryError,
  type ResolvedBinary,
  type TemporalBinaryName,
} from './temporal/binaries.js';
