// Public entry point of the package.

// Wire contract: names, ids and messages an OMS uses to drive payment workflows.
export * from './contract/index.js';
export { paymentStartOptions } from './client/start-options.js';

// The OMS client API and its typed errors.
export {
  PaymentsClient,
  listQuery,
  type PaymentsClientOptions,
  type PaymentTarget,
  type PaymentListFilter,
  type PaymentListEntry,
} from './client/payments-client.js';
export {
  InvalidPaymentInputError,
  PaymentNotFoundError,
  PaymentClosedError,
  PaymentRequestRejectedError,
} from './client/errors.js';

// Settings from the environment.
export {
  ConfigurationError,
  temporalSettingsFromEnv,
  swedbankPaySettingsFromEnv,
  type TemporalSettings,
  type SwedbankPaySettings,
} from './config/index.js';
export { connectClient, TemporalUnavailableError, type ConnectedClient } from './config/connect.js';

// Swedbank Pay: the client and its typed errors.
export { SwedbankPayClient, type SwedbankPayClientOptions } from './swedbank/client.js';
export * from './swedbank/errors.js';
export { ENVIRONMENTS } from './swedbank/resources.js';
export { problemKind, type ProblemKind } from './swedbank/problem-types.js';

// Callbacks, the worker and the local stack.
export * from './callbacks/index.js';
export { createWorker, runWorkerFromEnv, workflowsPath, type CreateWorkerOptions } from './worker.js';
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator/index.js';
export { EmulatorAdmin, EmulatorAdminError } from './emulator/admin-client.js';
export { startDevServer, startTimeSkippingServer, type DevServerOptions } from './temporal/servers.js';
export {
  resolveTemporalBinary,
  describeBinary,
  TemporalBinaryError,
  type ResolvedBinary,
  type TemporalBinaryName,
} from './temporal/binaries.js';

// The pure core.
export { formatAmount, isMinorUnits } from './domain/amount.js';
export * as ledger from './domain/ledger.js';
export * as requests from './domain/requests.js';
export { payeeReferenceFor } from './domain/payee-reference.js';
