/**
 * A payment order in GET /_emulator/ledger: the legacy entry's fields (so a test compares a
 * workflow's ledger with either kind entry by entry), plus what only orders have: the v3.1
 * status, the payment method, order reference and tokens with their deletion state.
 */
import type { PaymentOrderLedgerEntry } from '../ledger.js';
import { orderPath, orderStatus, orderTotals, transactionPath, type StoredPaymentOrder } from './model.js';

export function paymentOrderLedgerEntry(order: StoredPaymentOrder): PaymentOrderLedgerEntry {
  return {
    id: orderPath(order),
    number: order.number,
    instrument: 'paymentorder',
    /** The v3.1 status (Initialized, Paid, Cancelled, Reversed, Failed, Aborted). */
    state: orderStatus(order),
    paymentMethod: order.instrument,
    paymentType: order.paymentType,
    pending: order.transactions.some((t) => t.state === 'Initialized'),
    locked: order.locked,
    consecutiveFailures: order.consecutiveFailures,
    currency: order.currency,
    amount: order.amount,
    vatAmount: order.vatAmount,
    payeeReference: order.payeeReference,
    orderReference: order.orderReference ?? null,
    callbackUrl: order.callbackUrl ?? null,
    totals: orderTotals(order),
    transactions: order.transactions.map((transaction) => ({
      id: transactionPath(order, transaction),
      number: transaction.number,
      type: transaction.type,
      state: transaction.state,
      amount: transaction.amount,
      vatAmount: transaction.vatAmount,
      payeeReference: transaction.payeeReference,
      failedReason: transaction.problem?.problems[0]?.description ?? null,
      description: transaction.description,
      receiptReference: transaction.receiptReference ?? null,
    })),
    tokens: order.tokens.map(({ type, token, deleted, deletedComment }) => ({
      type,
      token,
      isDeleted: deleted,
      comment: deletedComment ?? null,
    })),
  };
}
