// Public entry point of the package.

// Wire contract: names, ids and messages an OMS uses to drive payment workflows.
export { TASK_QUEUE, PAYMENT_WORKFLOW_TYPE, paymentWorkflowId } from './contract.js';
export * from './search-attributes.js';
export * from './workflows/messages.js';
export type { PaymentWorkflowInput, PaymentPolicy } from './workflows/input.js';
export type { PaymentSummary } from './workflows/payment.js';
export { paymentStartOptions } from './client/start-options.js';

// Swedbank Pay: the client and its typed errors.
export { SwedbankPayClient, type SwedbankPayClientOptions } from './swedbank/client.js';
export * from './swedbank/errors.js';
export { ENVIRONMENTS } from './swedbank/resources.js';
export { problemKind, type ProblemKind } from './swedbank/problem-types.js';

// Callbacks, the worker and the local stack.
export { createCallbackHandler, type CallbackHandlerOptions } from './callbacks/handler.js';
export { createWorker, workflowsPath, type CreateWorkerOptions } from './worker.js';
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
export { payeeReferenceFor } from './domain/payee-reference.js';
