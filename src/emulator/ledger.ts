/**
 * The shape of GET /_emulator/ledger entries, one type for legacy payments and payment orders so
 * that a test compares either kind with a workflow's ledger entry by entry. Order-only fields are
 * optional here and always present on a payment order's entry.
 */
import type { Instrument, PaymentState, TransactionState } from '../swedbank/schemas.js';
import type { OrderStatus, OrderTotals, PaymentType } from './payment-orders/model.js';
import type { StoredTransactionType } from './store.js';
import type { Totals } from './totals.js';

export interface LedgerTransaction {
  /** Legacy: `/psp/<instrument>/payments/<id>/transactions/<tx>`; order: `.../financialtransactions/<tx>`. */
  id: string;
  number: number;
  type: StoredTransactionType | 'Sale';
  state: TransactionState;
  amount: number;
  vatAmount: number;
  payeeReference: string;
  failedReason: string | null;
  description?: string;
  receiptReference?: string | null;
}

/** The totals as the ledger shows them; `sold` (what a Sale took) only for payment orders. */
export type LedgerTotals = Omit<Totals, 'sold'> & { sold?: number };

export interface LedgerToken {
  type: string;
  token: string;
  isDeleted: boolean;
  comment: string | null;
}

export interface LedgerEntry {
  id: string;
  number: number;
  /** `paymentorder` for a payment order. */
  instrument: Instrument | 'paymentorder';
  /** A payment's state, or a payment order's v3.1 status. */
  state: PaymentState | OrderStatus;
  locked: boolean;
  consecutiveFailures: number;
  currency: string;
  amount: number;
  vatAmount: number;
  payeeReference: string;
  callbackUrl: string | null;
  totals: LedgerTotals;
  transactions: LedgerTransaction[];
  /** Payment orders: the payment method (CreditCard, Swish, ...). */
  paymentMethod?: string;
  paymentType?: PaymentType;
  /** Payment orders: an asynchronous reversal is not settled yet. */
  pending?: boolean;
  orderReference?: string | null;
  tokens?: LedgerToken[];
}

export interface PaymentOrderLedgerEntry extends LedgerEntry {
  instrument: 'paymentorder';
  state: OrderStatus;
  paymentMethod: string;
  paymentType: PaymentType;
  pending: boolean;
  orderReference: string | null;
  totals: OrderTotals;
  tokens: LedgerToken[];
}
