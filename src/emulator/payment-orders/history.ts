/**
 * The order's history events, named as the portal's event list names them: full or partial
 * capture, cancellation and reversal, and their failed variants. For information only (the portal
 * advises against building logic on them), so the rule here is simple: "full" when the
 * transaction's amount is the whole of what it could take.
 */
import { orderTotals, type HistoryEvent, type OrderTransaction, type StoredPaymentOrder } from './model.js';

const VERB = { Capture: 'Captured', Cancellation: 'Cancelled', Reversal: 'Reversed' } as const;

/** Computed once the transaction is recorded (Completed or Failed). */
export function historyName(order: StoredPaymentOrder, transaction: OrderTransaction): string {
  if (transaction.type === 'Authorization' || transaction.type === 'Sale') return 'PaymentPaid';
  const totals = orderTotals(order);
  const whole =
    transaction.type === 'Capture'
      ? totals.authorized
      : transaction.type === 'Cancellation'
        ? totals.authorized - totals.captured
        : totals.captured + totals.sold;
  const full = transaction.amount >= whole;
  const failed = transaction.state === 'Failed' ? 'Failed' : '';
  return `Payment${full ? '' : 'Partially'}${VERB[transaction.type]}${failed}`;
}

/** The payer's attempt: paid, failed or aborted. */
export function payerEvent(order: StoredPaymentOrder, transaction: OrderTransaction): HistoryEvent {
  const name =
    transaction.state === 'Completed'
      ? 'PaymentPaid'
      : transaction.payerAborted
        ? 'PaymentAttemptAborted'
        : 'PaymentAttemptFailed';
  return {
    created: transaction.created,
    name,
    instrument: order.instrument,
    number: transaction.number,
    amount: transaction.amount,
    initiatedBy: 'Payer',
  };
}
