// swedbank-pay-temporal/client: what an order-management system needs to drive payments. It loads
// @temporalio/client, never the worker, the Temporal test servers or the emulator.

// The wire contract: its version, names, messages, the workflow's input and its summary.
export * from '../contract/index.js';
export type { Ledger, LedgerEntry } from '../domain/ledger.js';
export { formatAmount, isMinorUnits } from '../domain/amount.js';

// The OMS client API and its typed errors.
export {
  PaymentsClient,
  type PaymentsClientOptions,
  type PaymentTarget,
  CLIENT_REFERENCE_PREFIX,
} from '../client/payments-client.js';
export { listQuery, type PaymentListFilter, type PaymentListEntry } from '../client/listing.js';
export {
  InvalidListFilterError,
  InvalidPaymentInputError,
  PaymentNotFoundError,
  PaymentClosedError,
  PaymentRequestRejectedError,
  PaymentStateUnavailableError,
} from '../client/errors.js';
export { paymentStartOptions } from '../client/start-options.js';
// Tracing: the OpenTelemetry client interceptor, loaded when called (or by connect() when tracing is on).
export { tracingClientInterceptors } from '../client/tracing.js';
export { tracingFromEnv } from '../config/observability.js';

// Connecting to Temporal with the environment's settings (Temporal's envconfig).
export {
  connectClient,
  TemporalUnavailableError,
  type ConnectedClient,
  type ConnectOptions,
} from '../config/connect.js';
export { ConfigurationError } from '../config/errors.js';
export { temporalSettingsFromEnv, type TemporalSettings, type Environment } from '../config/temporal.js';
// The Temporal SDK's client classes PaymentsClient takes, from the same copy of the SDK as this package.
export { Client, Connection } from '@temporalio/client';

// Payload encryption: the same keys as the workers (PAYLOAD_ENCRYPTION_KEYS), for a Client you build.
export { EncryptionCodec, ENCRYPTED_ENCODING, type EncryptionKey } from '../codec/encryption.js';
export { payloadCodecFromEnv } from '../config/encryption.js';
