// swedbank-pay-temporal/worker: runs payment workflows and their Swedbank Pay activities.

// The worker, its workflow code (the prebuilt bundle, or the workflows module to bundle) and activities.
export {
  createWorker,
  runWorkerFromEnv,
  shutdownGraceMsFromEnv,
  workflowsPath,
  prebuiltWorkflowBundlePath,
  WORKER_LOG_DEFAULTS,
  type CreateWorkerOptions,
} from '../worker.js';
export { createActivities } from '../activities/index.js';
export type { PaymentActivities } from '../activities/payment-activities.js';
export { TASK_QUEUE, CONTRACT_VERSION, SEARCH_ATTRIBUTES } from '../contract/index.js';

// Settings from the environment.
export {
  ConfigurationError,
  temporalSettingsFromEnv,
  swedbankPaySettingsFromEnv,
  type TemporalSettings,
  type SwedbankPaySettings,
  type Environment,
} from '../config/index.js';

// Swedbank Pay: the client the activities use and its typed errors.
export { SwedbankPayClient, type SwedbankPayClientOptions } from '../swedbank/client.js';
export * from '../swedbank/errors.js';
export { ENVIRONMENTS } from '../swedbank/resources.js';
export { problemKind, type ProblemKind } from '../swedbank/problem-types.js';

// Observability: structured logs, the runtime's Prometheus endpoint, payment metrics, tracing.
export * from '../observability/index.js';

// The Temporal SDK's connection class createWorker takes, from the same copy of the SDK as this package.
export { NativeConnection } from '@temporalio/worker';

// Payload encryption and the codec server that shows sealed payloads to the Web UI and the CLI.
export { EncryptionCodec, ENCRYPTED_ENCODING, type EncryptionKey } from '../codec/encryption.js';
export { payloadCodecFromEnv } from '../config/encryption.js';
export { startCodecServer, type CodecServerOptions, type RunningCodecServer } from '../codec/server.js';
export { workerDeploymentFromEnv, type WorkerDeployment } from '../config/deployment.js';
