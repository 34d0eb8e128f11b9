// The Swedbank Pay emulator: a stateful, loopback Swedbank Pay API with faults on demand.
export { startEmulator, DEFAULT_PAYEE_ID, DEFAULT_SEED, type EmulatorOptions, type RunningEmulator } from './server.js';
export {
  ADMIN_PREFIX,
  AuthorizePaymentRequest,
  CreatePaymentRequest,
  FailAuthorizationRequest,
  type AuthorizationChange,
  type AuthorizePaymentInput,
  type CreatePaymentInput,
  type FailAuthorizationInput,
} from './admin.js';
export { FaultRule, RequestFault, PspOperationName, PspApi, type FaultRuleInput } from './faults.js';
export { OutcomeRule, OutcomeInstrument, AfterPaymentOperation, type OutcomeRuleInput } from './outcomes.js';
export {
  CallbackFaultRule,
  SWEDBANK_PAY_CALLBACK_RETRY_SCHEDULE_MS,
  type AnyCallbackLogEntry,
  type CallbackFaultRuleInput,
  type CallbackLogEntry,
  type CallbackWireBody,
  type PaymentOrderCallbackLogEntry,
  type PaymentOrderCallbackWireBody,
} from './callbacks.js';
export { CreatePaymentOrderRequest, type CreatePaymentOrderInput } from './payment-orders/schemas.js';
export type { PaymentOrderResponse, OrderOperation } from './payment-orders/resources.js';
export type { OrderStatus } from './payment-orders/model.js';
export {
  ALREADY_USED_DESCRIPTION,
  CONSECUTIVE_FAILURES_BEFORE_LOCK,
  EmulatorStore,
  type PaymentTotals,
  type RuleViolation,
  type StoredPayment,
  type StoredTransaction,
} from './store.js';
export type { LedgerEntry, LedgerTotals, LedgerToken, LedgerTransaction, PaymentOrderLedgerEntry } from './ledger.js';
