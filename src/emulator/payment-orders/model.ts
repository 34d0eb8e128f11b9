/**
 * A payment order as the emulator keeps it, and the pure rules read from it: the money totals,
 * the v3.1 status, and which operations the order offers right now (an operation not offered is
 * refused, as Swedbank Pay documents). Mutations live in store.ts.
 */
import type { TransactionPlan } from '../outcomes.js';
import type { ProblemDetail } from '../store.js';
import type { OrderItem, TokenType } from './schemas.js';
import { totalsOf, type Totals } from '../totals.js';

/** A problem (RFC 7807) as Payment Order v3.1 reports it; `type` is an identifier URL on api.payex.com. */
export interface OrderProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  problems: ProblemDetail[];
}

export type OrderStatus = 'Initialized' | 'Paid' | 'Failed' | 'Cancelled' | 'Reversed' | 'Aborted';
export type PaymentType = 'Authorization' | 'Sale';
export type PostPurchaseType = 'Capture' | 'Cancellation' | 'Reversal';
export type OrderTransactionType = PaymentType | PostPurchaseType;
/** Initialized: an asynchronous reversal not settled yet. */
export type OrderTransactionState = 'Completed' | 'Failed' | 'Initialized';

/**
 * Every attempt on the order, successful or not: the payer's (Authorization/Sale) and the
 * merchant's (Capture/Cancellation/Reversal). Completed ones are the financial transactions;
 * failed ones are failedAttempts (payer) or postPurchaseFailedAttempts (merchant).
 */
export interface OrderTransaction {
  readonly id: string;
  readonly number: number;
  readonly type: OrderTransactionType;
  state: OrderTransactionState;
  readonly amount: number;
  readonly vatAmount: number;
  readonly description: string;
  readonly payeeReference: string;
  readonly receiptReference?: string;
  readonly orderItems?: readonly OrderItem[];
  /** Why it failed, as Swedbank Pay reports it. */
  problem?: OrderProblem;
  /** A payer's attempt that the payer aborted (failedAttempts status Aborted). */
  readonly payerAborted?: boolean;
  readonly created: string;
  updated: string;
}

export interface OrderToken {
  readonly type: TokenType;
  readonly token: string;
  readonly orderId: string;
  readonly instrument: string;
  /** The masked card number (or account) the token stands for. */
  readonly name: string;
  readonly expiryDate: string;
  readonly correlationId: string;
  deleted: boolean;
  deletedComment?: string;
}

export interface HistoryEvent {
  readonly created: string;
  readonly name: string;
  readonly instrument?: string;
  readonly number?: number;
  readonly amount?: number;
  readonly initiatedBy: 'Payer' | 'Payee' | 'PaymentGateway';
}

export interface StoredPaymentOrder {
  readonly id: string;
  /** For the admin ledger only; Swedbank Pay numbers transactions, not orders. */
  readonly number: number;
  readonly created: string;
  updated: string;
  readonly currency: string;
  amount: number;
  vatAmount: number;
  readonly description: string;
  /** The payment method the payer uses (CreditCard, Swish, ...). */
  readonly instrument: string;
  readonly paymentType: PaymentType;
  readonly payeeReference: string;
  readonly orderReference?: string;
  readonly callbackUrl?: string;
  readonly userAgent: string;
  readonly language: string;
  /** Tokens to generate when the payer pays. */
  readonly tokenTypes: readonly TokenType[];
  readonly tokens: OrderToken[];
  abortReason?: string;
  /** The order failed for good; the problem of its last attempt. */
  failed?: OrderProblem;
  /** Failed captures/reversals since the last completed one; at 5 the order is locked. */
  consecutiveFailures: number;
  locked: boolean;
  readonly transactions: OrderTransaction[];
  readonly history: HistoryEvent[];
}

export type OrderTotals = Totals;

export interface OfferedOperations {
  abort: boolean;
  updateOrder: boolean;
  redirectCheckout: boolean;
  capture: boolean;
  cancel: boolean;
  reversal: boolean;
}

export function orderTotals(order: StoredPaymentOrder): OrderTotals {
  return totalsOf(order.transactions);
}

/** The payer's successful payment (the Authorization or Sale), once there is one. */
export function paidTransaction(order: StoredPaymentOrder): OrderTransaction | undefined {
  return order.transactions.find((t) => (t.type === 'Authorization' || t.type === 'Sale') && t.state === 'Completed');
}

export function isPending(order: StoredPaymentOrder): boolean {
  return order.transactions.some((t) => t.state === 'Initialized');
}

/**
 * Cancelled only when the whole authorization was released and nothing captured; Reversed when all
 * that was captured (or sold) came back and nothing is left to capture; partial operations stay Paid.
 */
export function orderStatus(order: StoredPaymentOrder): OrderStatus {
  if (order.abortReason !== undefined) return 'Aborted';
  if (order.failed) return 'Failed';
  if (!paidTransaction(order)) return 'Initialized';
  const totals = orderTotals(order);
  if (totals.captured === 0 && totals.sold === 0 && totals.cancelled > 0) return 'Cancelled';
  const taken = totals.captured + totals.sold;
  if (taken > 0 && totals.remainingReversalAmount === 0 && totals.remainingCaptureAmount === 0) return 'Reversed';
  return 'Paid';
}

/** While an asynchronous reversal is pending, no post-purchase operation is offered (portal). */
export function offeredOperations(order: StoredPaymentOrder): OfferedOperations {
  const status = orderStatus(order);
  const initialized = status === 'Initialized';
  const offered: OfferedOperations = {
    abort: initialized,
    updateOrder: initialized,
    redirectCheckout: initialized || status === 'Aborted',
    capture: false,
    cancel: false,
    reversal: false,
  };
  if (status !== 'Paid' || isPending(order)) return offered;
  const totals = orderTotals(order);
  const twoPhase = order.paymentType === 'Authorization';
  offered.capture = twoPhase && !order.locked && totals.remainingCaptureAmount > 0;
  offered.cancel = twoPhase && totals.remainingCancellationAmount > 0;
  offered.reversal = !order.locked && totals.remainingReversalAmount > 0;
  return offered;
}

export function orderPath(order: Pick<StoredPaymentOrder, 'id'>): string {
  return `/psp/paymentorders/${order.id}`;
}

export function transactionPath(order: StoredPaymentOrder, transaction: OrderTransaction): string {
  return `${orderPath(order)}/financialtransactions/${transaction.id}`;
}

/** The payee-wide payeeReference registry (the legacy store implements it). */
export interface PayeeReferenceRegistry {
  isPayeeReferenceUsed(payeeReference: string): boolean;
  claimPayeeReference(payeeReference: string, ownerId: string, transactionId?: string): void;
}

export interface NewPaymentOrder {
  amount: number;
  vatAmount: number;
  currency: string;
  instrument: string;
  tokens: readonly TokenType[];
  orderReference?: string;
  callbackUrl?: string;
  payeeReference?: string;
  description: string;
  language: string;
  userAgent: string;
}

export type PostPurchaseRequest =
  | {
      type: 'Capture' | 'Reversal';
      amount: number;
      vatAmount: number;
      description: string;
      payeeReference: string;
      receiptReference?: string;
      orderItems?: OrderItem[];
    }
  | { type: 'Cancellation'; description: string; payeeReference: string };

/** Completed / Failed at once, or Initialized (an asynchronous reversal; how it settles is the caller's). */
export type PostPurchasePlan = TransactionPlan;

export interface OrderChange {
  order: StoredPaymentOrder;
  transaction: OrderTransaction;
}
