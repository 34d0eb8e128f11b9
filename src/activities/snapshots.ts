/**
 * What the payment workflow and its activities exchange: inputs and snapshots, the same for legacy
 * payments and payment orders. Plain JSON, small, without secrets: every value lands in history.
 */
import type { ItemDescription, OrderItem, TokenType, VatSummary } from '../contract/index.js';
import type { TransactionKind } from '../swedbank/resources.js';
import type { PaymentState, Transaction } from '../swedbank/schemas.js';

export type { TransactionKind };

export interface CreateTransactionInput {
  paymentId: string;
  kind: TransactionKind;
  payeeReference: string;
  description: string;
  /** Captures and reversals. */
  amount?: number;
  vatAmount?: number;
  /** Legacy invoice captures. */
  itemDescriptions?: ItemDescription[];
  vatSummary?: VatSummary[];
  /** Payment order captures and reversals. */
  orderItems?: OrderItem[];
  receiptReference?: string;
  /** A payment order cancellation: what the ledger expects it to release (its listing may show no amount). */
  cancellationAmount?: number;
  /**
   * An earlier run of the workflow may have sent it (it moved to a new run with the outcome unknown):
   * look before sending, as a retry does.
   */
  resume?: boolean;
  /** The OMS's order, for the activity's log lines. */
  orderId?: string;
}

/**
 * The operation a transaction read belongs to, for logs and metrics (given by workflows from the
 * release that added it; absent, the transaction's own type and creation time stand in).
 */
export interface WaitingOperation {
  operation: TransactionKind;
  payeeReference: string;
  orderId?: string;
  /** When the outcome became unknown (ISO 8601): the wait's length is measured from here. */
  waitingSince: string;
}

/**
 * A token deletion: the payment whose authorization (or paid payment order) created the token, which
 * the worker reads from Swedbank Pay; for payments started before contract 1.3, the token itself. A
 * payment order without a token type: every token its payment created.
 */
export type DeleteTokenActivityInput =
  | { paymentId: string; tokenType?: TokenType; comment: string }
  | { paymentToken: string; tokenType: TokenType; comment: string };

/** What the workflow needs of a transaction (no secrets, small enough for history). */
export interface TransactionSnapshot {
  /** Empty while a payment order's transaction is pending (it has no id until it is listed). */
  transactionId: string;
  state: Transaction['state'];
  number: string;
  amount: number;
  vatAmount: number;
  payeeReference: string;
  failedReason?: string;
  /** A pending payment order transaction: failed attempts of its kind listed when it was sent. */
  failedAttemptsSeen?: number;
}

/** Where a payment order's pending transaction is looked for, when the workflow polls. */
export interface PaymentOrderTransactionRef {
  paymentId: string;
  kind: TransactionKind;
  payeeReference: string;
  amount: number;
  vatAmount: number;
  /** Failed attempts of this kind the order listed when the transaction was sent. */
  failedAttemptsSeen: number;
}

export interface PaymentSnapshot {
  /** A legacy payment's state, or a payment order's status. */
  state: string;
  currency: string;
  amount: number;
  remainingCaptureAmount?: number;
  remainingReversalAmount?: number;
  /** A paid payment order: Authorization (to capture) or Sale (one-phase). */
  transactionType?: 'Authorization' | 'Sale';
  /** A paid payment order's payment method, as Swedbank Pay names it (CreditCard, Swish, ...). */
  paymentMethod?: string;
}

/**
 * A payment that may not be authorized yet, as the workflow needs it: its state, whether abort is
 * offered, and every transaction (amounts and states only: no card data, no payer data).
 */
export interface AuthorizationSnapshot {
  paymentState: PaymentState;
  currency: string;
  /** The amount the payment was created with; what is authorized is in its transactions. */
  amount: number;
  abortAvailable: boolean;
  transactions: {
    transactionId: string;
    type: Transaction['type'];
    state: Transaction['state'];
    amount: number;
    number: string;
    created: string;
    failedReason?: string;
  }[];
  /** A payment order paid in one phase: its Sale is what was paid. */
  sale?: boolean;
  paymentMethod?: string;
}
