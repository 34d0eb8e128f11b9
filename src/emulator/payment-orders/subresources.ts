/**
 * The payment order's sub-resources (GET {order}/paid, /financialtransactions, ...): the inner
 * objects, also used when a GET expands them (`?$expand=paid`). Their wrappers' key casing differs
 * per resource in the portal's examples (`paymentOrder` vs `paymentorder`); followed as shown.
 */
import {
  orderPath,
  orderTotals,
  paidTransaction,
  transactionPath,
  type OrderTransaction,
  type StoredPaymentOrder,
} from './model.js';
import { CARD_EXPIRY, MASKED_PAN, paidTokens } from './tokens.js';

function link(order: StoredPaymentOrder, segment: string): string {
  return `${orderPath(order)}/${segment}`;
}

function ofType(order: StoredPaymentOrder, state: OrderTransaction['state'], payer: boolean): OrderTransaction[] {
  const isPayer = (t: OrderTransaction) => t.type === 'Authorization' || t.type === 'Sale';
  return order.transactions.filter((t) => t.state === state && isPayer(t) === payer);
}

export function financialTransactionItem(order: StoredPaymentOrder, transaction: OrderTransaction) {
  return {
    id: transactionPath(order, transaction),
    created: transaction.created,
    updated: transaction.updated,
    type: transaction.type,
    number: transaction.number,
    amount: transaction.amount,
    vatAmount: transaction.vatAmount,
    description: transaction.description,
    payeeReference: transaction.payeeReference,
    ...(transaction.receiptReference !== undefined && { receiptReference: transaction.receiptReference }),
    orderItems: { id: `${transactionPath(order, transaction)}/orderitems` },
  };
}

/** Every completed transaction, the payer's Authorization or Sale first. */
export function financialTransactions(order: StoredPaymentOrder) {
  return {
    id: link(order, 'financialtransactions'),
    financialTransactionsList: order.transactions
      .filter((t) => t.state === 'Completed')
      .map((t) => financialTransactionItem(order, t)),
  };
}

function instrumentDetails(order: StoredPaymentOrder, paid: OrderTransaction) {
  if (order.instrument === 'CreditCard') {
    return {
      cardBrand: 'Visa',
      cardType: 'Credit',
      maskedPan: MASKED_PAN,
      expiryDate: CARD_EXPIRY,
      issuerAuthorizationApprovalCode: 'L00302',
      acquirerTransactionType: 'STANDARD',
      acquirerStan: String(paid.number % 1000),
      acquirerTerminalId: '70101301389',
      acquirerTransactionTime: paid.created,
      transactionInitiator: 'CARDHOLDER',
      bin: MASKED_PAN.slice(0, 6),
    };
  }
  if (order.instrument === 'Swish') return { msisdn: '+46739000001' };
  if (order.instrument === 'Trustly') return { trustlyOrderId: paid.number };
  return {};
}

/** The fields shared by paid, cancelled and reversed ("inherited from the Paid transaction"). */
function paidFields(order: StoredPaymentOrder, paid: OrderTransaction) {
  const tokens = paidTokens(order);
  return {
    instrument: order.instrument,
    number: paid.number,
    payeeReference: paid.payeeReference,
    ...(order.orderReference !== undefined && { orderReference: order.orderReference }),
    transactionType: order.paymentType,
    amount: paid.amount,
    submittedAmount: order.amount,
    feeAmount: 0,
    discountAmount: 0,
    paymentTokenGenerated: tokens.some((token) => token.type === 'payment'),
    ...(tokens.length > 0 && { tokens }),
    details: instrumentDetails(order, paid),
  };
}

export function paid(order: StoredPaymentOrder) {
  const payment = paidTransaction(order);
  return { id: link(order, 'paid'), ...(payment && paidFields(order, payment)) };
}

/** Filled only once the whole authorization was cancelled (status Cancelled). */
export function cancelled(order: StoredPaymentOrder) {
  const payment = paidTransaction(order);
  const cancellation = order.transactions.find((t) => t.type === 'Cancellation' && t.state === 'Completed');
  const totals = orderTotals(order);
  if (!payment || !cancellation || totals.captured > 0) return { id: link(order, 'cancelled') };
  return {
    id: link(order, 'cancelled'),
    cancelReason: cancellation.description,
    ...paidFields(order, payment),
    number: cancellation.number,
    payeeReference: cancellation.payeeReference,
    amount: cancellation.amount,
  };
}

/** The paid fields, with number and payeeReference of the latest reversal. */
export function reversed(order: StoredPaymentOrder) {
  const payment = paidTransaction(order);
  const latest = order.transactions.filter((t) => t.type === 'Reversal' && t.state === 'Completed').at(-1);
  if (!payment || !latest) return { id: link(order, 'reversed') };
  return {
    id: link(order, 'reversed'),
    ...paidFields(order, payment),
    number: latest.number,
    payeeReference: latest.payeeReference,
  };
}

export function failed(order: StoredPaymentOrder) {
  return { id: link(order, 'failed'), ...(order.failed && { problem: order.failed }) };
}

export function aborted(order: StoredPaymentOrder) {
  return { id: link(order, 'aborted'), ...(order.abortReason !== undefined && { abortReason: order.abortReason }) };
}

export function failedAttempts(order: StoredPaymentOrder) {
  return {
    id: link(order, 'failedattempts'),
    failedAttemptList: ofType(order, 'Failed', true).map((t) => ({
      created: t.created,
      instrument: order.instrument,
      number: t.number,
      status: t.payerAborted ? 'Aborted' : 'Failed',
      problem: t.problem,
    })),
  };
}

export function postPurchaseFailedAttempts(order: StoredPaymentOrder) {
  return {
    id: link(order, 'postpurchasefailedattempts'),
    postpurchaseFailedAttemptList: ofType(order, 'Failed', false).map((t) => ({
      created: t.updated,
      status: 'Failed',
      type: t.type,
      number: t.number,
      problem: t.problem,
    })),
  };
}

export function history(order: StoredPaymentOrder) {
  return { id: link(order, 'history'), historyList: order.history };
}

/** Sub-resource name (lowercase path segment) -> the order's field, wrapper key and builder. */
export const SUBRESOURCES = {
  paid: { field: 'paid', wrapper: 'paymentOrder', build: paid },
  cancelled: { field: 'cancelled', wrapper: 'paymentOrder', build: cancelled },
  reversed: { field: 'reversed', wrapper: 'paymentOrder', build: reversed },
  failed: { field: 'failed', wrapper: 'paymentOrder', build: failed },
  aborted: { field: 'aborted', wrapper: 'paymentorder', build: aborted },
  financialtransactions: { field: 'financialTransactions', wrapper: 'paymentorder', build: financialTransactions },
  failedattempts: { field: 'failedAttempts', wrapper: 'paymentorder', build: failedAttempts },
  postpurchasefailedattempts: {
    field: 'postPurchaseFailedAttempts',
    wrapper: 'paymentorder',
    build: postPurchaseFailedAttempts,
  },
  history: { field: 'history', wrapper: 'paymentorder', build: history },
} as const;
export type SubresourceName = keyof typeof SUBRESOURCES;

/** GET {order}/{name}: `{ paymentOrder|paymentorder: "/psp/paymentorders/{id}", <field>: {...} }`. */
export function subresource(order: StoredPaymentOrder, name: SubresourceName) {
  const { field, wrapper, build } = SUBRESOURCES[name];
  return { [wrapper]: orderPath(order), [field]: build(order) };
}
