/**
 * How Swedbank Pay represents the emulator's state on the wire, exactly as the card seed page shows
 * it: relative `/psp/...` ids, absolute operation hrefs, transactions wrapped as capture /
 * cancellation / reversal (reversal paths singular, a seed quirk real responses share).
 */
import type { Instrument } from '../swedbank/schemas.js';
import type { LedgerEntry } from './ledger.js';
import {
  allowedOperations,
  paymentState,
  paymentTotals,
  type AfterPaymentType,
  type StoredPayment,
  type StoredToken,
  type StoredTransaction,
} from './store.js';

/** The collection segment of each after-payment transaction type (reversal: singular, seed quirk). */
const ENTRY_SEGMENT: Record<AfterPaymentType, string> = {
  Capture: 'captures',
  Cancellation: 'cancellations',
  Reversal: 'reversal',
};

/** Swedbank Pay's own spelling of the instrument in the payment resource. */
const INSTRUMENT_NAME: Record<Instrument, string> = { creditcard: 'CreditCard', invoice: 'Invoice' };

export function paymentPath(payment: StoredPayment): string {
  return `/psp/${payment.instrument}/payments/${payment.id}`;
}

export function transactionPath(payment: StoredPayment, transaction: StoredTransaction): string {
  return `${paymentPath(payment)}/transactions/${transaction.id}`;
}

export function entryListPath(payment: StoredPayment, type: AfterPaymentType): string {
  return `${paymentPath(payment)}/${ENTRY_SEGMENT[type]}`;
}

export function entryPath(payment: StoredPayment, transaction: StoredTransaction): string {
  const type = transaction.type === 'Authorization' ? undefined : transaction.type;
  return type === undefined
    ? transactionPath(payment, transaction)
    : `${entryListPath(payment, type)}/${transaction.id}`;
}

export interface OperationResource {
  method: 'POST' | 'PATCH';
  href: string;
  rel: string;
  contentType: 'application/json';
}

/** Only what is allowed right now: an absent operation means "not allowed", as Swedbank Pay documents. */
export function paymentOperations(payment: StoredPayment, baseUrl: string): OperationResource[] {
  const allowed = allowedOperations(payment);
  const href = (path: string) => `${baseUrl}${path}`;
  const operation = (method: 'POST' | 'PATCH', path: string, rel: string): OperationResource => ({
    method,
    href: href(path),
    rel,
    contentType: 'application/json',
  });
  const operations: OperationResource[] = [];
  if (allowed.abort) operations.push(operation('PATCH', paymentPath(payment), 'update-payment-abort'));
  if (allowed.capture) operations.push(operation('POST', `${paymentPath(payment)}/captures`, 'create-capture'));
  if (allowed.cancellation) {
    operations.push(operation('POST', `${paymentPath(payment)}/cancellations`, 'create-cancellation'));
  }
  if (allowed.reversal) operations.push(operation('POST', `${paymentPath(payment)}/reversals`, 'create-reversal'));
  return operations;
}

export function paymentResource(payment: StoredPayment, baseUrl: string) {
  const totals = paymentTotals(payment);
  const path = paymentPath(payment);
  return {
    payment: {
      id: path,
      number: payment.number,
      instrument: INSTRUMENT_NAME[payment.instrument],
      created: payment.created,
      updated: payment.updated,
      operation: 'Purchase',
      intent: 'Authorization',
      state: paymentState(payment),
      currency: payment.currency,
      amount: payment.amount,
      vatAmount: payment.vatAmount,
      remainingCaptureAmount: totals.remainingCaptureAmount,
      remainingCancellationAmount: totals.remainingCancellationAmount,
      remainingReversalAmount: totals.remainingReversalAmount,
      description: payment.description,
      payeeReference: payment.payeeReference,
      captures: { id: `${path}/captures` },
      cancellations: { id: `${path}/cancellations` },
      reversals: { id: `${path}/reversals` },
      transactions: { id: `${path}/transactions` },
    },
    operations: paymentOperations(payment, baseUrl),
  };
}

export function transactionResource(payment: StoredPayment, transaction: StoredTransaction) {
  return {
    id: transactionPath(payment, transaction),
    created: transaction.created,
    updated: transaction.updated,
    type: transaction.type,
    state: transaction.state,
    number: transaction.number,
    amount: transaction.amount,
    vatAmount: transaction.vatAmount,
    description: transaction.description,
    payeeReference: transaction.payeeReference,
    ...(transaction.failedReason === undefined ? {} : { failedReason: transaction.failedReason }),
    isOperational: false,
    operations: [],
  };
}

/** `{id, transaction}`: a capture, cancellation or reversal as the seed wraps it. */
export function entryResource(payment: StoredPayment, transaction: StoredTransaction) {
  return { id: entryPath(payment, transaction), transaction: transactionResource(payment, transaction) };
}

/**
 * GET {payment}/authorizations: each authorization with the card tokens it created (a card payment
 * created with a payment token carries it, as Swedbank Pay's card authorization resource shows).
 */
export function authorizationListResource(payment: StoredPayment) {
  const authorizations = payment.transactions.filter((t) => t.type === 'Authorization');
  return {
    payment: paymentPath(payment),
    authorizations: {
      id: `${paymentPath(payment)}/authorizations`,
      authorizationList: authorizations.map((transaction) => ({
        id: `${paymentPath(payment)}/authorizations/${transaction.id}`,
        ...(payment.paymentToken !== undefined &&
          transaction.state === 'Completed' && {
            paymentToken: payment.paymentToken,
          }),
        maskedPan: '492500xxxxxx0004',
        cardBrand: 'Visa',
        transaction: transactionResource(payment, transaction),
      })),
    },
  };
}

export function transactionsOfType(payment: StoredPayment, type: AfterPaymentType): StoredTransaction[] {
  return payment.transactions.filter((transaction) => transaction.type === type);
}

export function instrumentDataResource(token: StoredToken, payeeId: string) {
  return {
    instrumentData: {
      id: `/psp/creditcard/payments/instrumentdata/${token.paymentToken}`,
      paymentToken: token.paymentToken,
      payeeId,
      isDeleted: token.deleted,
      isPayeeToken: false,
      cardBrand: 'Visa',
      maskedPan: '492500xxxxxx0004',
      expiryDate: '12/2030',
    },
  };
}

/** One payment of GET /_emulator/ledger: every transaction and the totals, for reconciliation. */
export function ledgerEntry(payment: StoredPayment): LedgerEntry {
  return {
    id: paymentPath(payment),
    number: payment.number,
    instrument: payment.instrument,
    state: paymentState(payment),
    locked: payment.locked,
    consecutiveFailures: payment.consecutiveFailures,
    currency: payment.currency,
    amount: payment.amount,
    vatAmount: payment.vatAmount,
    payeeReference: payment.payeeReference,
    callbackUrl: payment.callbackUrl ?? null,
    totals: paymentTotals(payment),
    transactions: payment.transactions.map((transaction) => ({
      id: transactionPath(payment, transaction),
      number: transaction.number,
      type: transaction.type,
      state: transaction.state,
      amount: transaction.amount,
      vatAmount: transaction.vatAmount,
      payeeReference: transaction.payeeReference,
      failedReason: transaction.failedReason ?? null,
    })),
  };
}
export type { LedgerEntry };
