// The package's root entry point, a convenience: everything of the role entry points except the
// testing helpers (they need an optional peer dependency: swedbank-pay-temporal/testing), and the pure
// core. It loads the worker too; an OMS that only drives payments imports swedbank-pay-temporal/client.
export * from './entries/client.js';
export * from './entries/worker.js';
export * from './entries/callbacks.js';
export * from './entries/emulator.js';
// Both name a LedgerEntry: here the payment ledger's; the emulator's is in swedbank-pay-temporal/emulator.
export type { LedgerEntry } from './entries/client.js';

// The pure core.
export * as ledger from './domain/ledger.js';
export * as requests from './domain/requests.js';
export { payeeReferenceFor } from './domain/payee-reference.js';
