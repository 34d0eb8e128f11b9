/**
 * The refusals of post-purchase operations, as pure functions of the order: payeeReference reuse,
 * an operation not offered now, an amount above what remains. Each names the field the way the
 * library's problem classification reads it (`Transaction.PayeeReference`, `Transaction.Amount`).
 */
import { CONSECUTIVE_FAILURES_BEFORE_LOCK } from '../store.js';
import {
  orderStatus,
  orderTotals,
  paidTransaction,
  type PostPurchaseRequest,
  type StoredPaymentOrder,
} from './model.js';
import { forbidden, inputError, type OrderProblem } from './problems.js';

export const ALREADY_USED = 'The given PayeeReference has already been used for another transaction';

export function alreadyUsed(name: string): OrderProblem {
  return inputError('Input validation failed, error description in problems node!', [
    { name, description: ALREADY_USED },
  ]);
}

/** 403 naming the operation and the order's status (and the lock, when that is why). */
export function notOffered(rel: string, order: StoredPaymentOrder): OrderProblem {
  const status = orderStatus(order);
  const why = order.locked
    ? ` (locked after ${CONSECUTIVE_FAILURES_BEFORE_LOCK} consecutive failed captures or reversals)`
    : '';
  return forbidden(`The operation ${rel} is not available on this payment order (status ${status})${why}`);
}

/** A capture above remainingCaptureAmount or a reversal above remainingReversalAmount. */
export function checkAmount(order: StoredPaymentOrder, request: PostPurchaseRequest): OrderProblem | undefined {
  if (request.type === 'Cancellation') return undefined;
  const totals = orderTotals(order);
  const [remaining, what] =
    request.type === 'Capture'
      ? [totals.remainingCaptureAmount, 'remainingCaptureAmount']
      : [totals.remainingReversalAmount, 'remainingReversalAmount'];
  if (request.amount <= remaining) return undefined;
  return inputError(`Amount ${request.amount} exceeds the ${what} ${remaining}`, [
    { name: 'Transaction.Amount', description: `The amount exceeds the ${what} (${remaining})` },
  ]);
}

/** The VAT share of part of the payment, rounded down; exact integer arithmetic. */
export function proportionalVat(order: StoredPaymentOrder, part: number): number {
  const paid = paidTransaction(order);
  const [amount, vatAmount] = paid ? [paid.amount, paid.vatAmount] : [order.amount, order.vatAmount];
  if (amount === 0) return 0;
  return Number((BigInt(vatAmount) * BigInt(part)) / BigInt(amount));
}
