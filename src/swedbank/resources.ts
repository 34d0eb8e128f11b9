/** Swedbank Pay resource paths: which instrument a payment is, and where its transaction lists live. */
import { parsePaymentId } from '../contract/names.js';
import { InvalidRequestError } from './errors.js';
import type { Instrument } from './schemas.js';

export { parsePaymentId };

export const ENVIRONMENTS = {
  /** Swedbank Pay's external integration (test) environment: the default. */
  test: 'https://api.externalintegration.payex.com',
  production: 'https://api.payex.com',
} as const;

export type TransactionKind = 'capture' | 'cancellation' | 'reversal';

const TRANSACTION_ID = /^\/psp\/(creditcard|invoice)\/payments\/[A-Za-z0-9-]{1,64}\/transactions\/[A-Za-z0-9-]{1,64}$/;

export function isTransactionId(transactionId: string): boolean {
  return TRANSACTION_ID.test(transactionId);
}

/**
 * The instrument of a legacy payment id; throws an InvalidRequestError for anything that is not one
 * (a payment order id too: its API is ./payment-orders/).
 */
export function instrumentOf(paymentId: string): Instrument {
  const parsed = parsePaymentId(paymentId);
  if (!parsed || parsed.instrument === 'paymentorder') {
    throw new InvalidRequestError('payment', [
      { path: 'paymentId', message: 'expected /psp/creditcard/payments/{id} or /psp/invoice/payments/{id}' },
    ]);
  }
  return parsed.instrument;
}

const LIST_SEGMENT: Record<TransactionKind, string> = {
  capture: 'captures',
  cancellation: 'cancellations',
  reversal: 'reversals',
};

/** GET path of a payment's captures, cancellations or reversals. */
export function transactionListPath(paymentId: string, kind: TransactionKind): string {
  instrumentOf(paymentId);
  return `${paymentId}/${LIST_SEGMENT[kind]}`;
}

/** The operation `rel` that creates each kind of transaction. */
export const CREATE_REL: Record<TransactionKind, string> = {
  capture: 'create-capture',
  cancellation: 'create-cancellation',
  reversal: 'create-reversal',
};

export const ABORT_REL = 'update-payment-abort';
