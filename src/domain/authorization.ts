/**
 * The authorization phase, before the lifecycle: what Swedbank Pay's view of a payment that may not
 * be authorized yet means, when an unpaid payment may be aborted, and what happens to the requests
 * held meanwhile. Pure, like the ledger.
 */
import { checkAmounts, type Decision, type Rejection, type TransactionKind } from './ledger.js';

const accept = <T>(value: T): Decision<T> => ({ ok: true, value });
const reject = <T>(code: 'abort-not-allowed' | 'payment-aborted', message: string): Decision<T> => ({
  ok: false,
  rejection: { code, message },
});

export type SwedbankPayTransactionState = 'Initialized' | 'Completed' | 'Failed' | 'AwaitingActivity';

/** What Swedbank Pay shows of a payment that may not be authorized yet: the truth, read with GET. */
export interface AuthorizationView {
  paymentState: 'Ready' | 'Pending' | 'Failed' | 'Aborted';
  /** Every transaction of the payment (Authorization, Capture, ...), as Swedbank Pay lists them. */
  transactions: readonly {
    type: string;
    state: SwedbankPayTransactionState;
    amount: number;
    failedReason?: string;
  }[];
  /** Swedbank Pay offers the abort operation right now. */
  abortAvailable: boolean;
  /** A payment order paid in one phase: its completed Sale counts as authorized (and captured). */
  sale?: boolean;
}

export type AuthorizationOutcome =
  /**
   * The amount is Swedbank Pay's (the sum of completed authorizations, or the sale), not the one
   * announced at start.
   */
  | { kind: 'authorized'; amount: number; sale?: true }
  | { kind: 'failed'; reason: string }
  | { kind: 'aborted' }
  /** Not decided yet; declined attempts so far (the payer may try again while the payment is Ready). */
  | { kind: 'pending'; failedAttempts: number };

/**
 * What Swedbank Pay's view of the payment means. A declined attempt is not the end (the payer may
 * retry with another card); the payment turning Failed is. Aborted wins over everything: nothing
 * can be captured from an aborted payment.
 */
export function authorizationOutcome(view: AuthorizationView): AuthorizationOutcome {
  if (view.paymentState === 'Aborted') return { kind: 'aborted' };
  if (view.sale) {
    const sold = view.transactions.filter((t) => t.type === 'Sale' && t.state === 'Completed');
    const amount = sold.reduce((sum, t) => sum + t.amount, 0);
    if (amount > 0) return { kind: 'authorized', amount, sale: true };
  }
  const authorizations = view.transactions.filter((t) => t.type === 'Authorization');
  const authorized = authorizations.filter((t) => t.state === 'Completed').reduce((sum, t) => sum + t.amount, 0);
  if (authorized > 0) return { kind: 'authorized', amount: authorized };
  const declined = authorizations.filter((t) => t.state === 'Failed');
  if (view.paymentState === 'Failed') {
    return { kind: 'failed', reason: declined.at(-1)?.failedReason || 'the payment failed at Swedbank Pay' };
  }
  return { kind: 'pending', failedAttempts: declined.length };
}

/**
 * Aborting a payment nobody has authorized (abandoned, or the OMS asked): only while it has no
 * successful transaction, is Ready (not in the middle of an attempt) and Swedbank Pay offers the
 * operation. Swedbank Pay checks again when the PATCH lands; a refusal there means "look again".
 */
export function decideAbandonment(view: AuthorizationView): Decision<null> {
  if (view.paymentState === 'Aborted') return reject('payment-aborted', 'the payment is already aborted');
  if (view.transactions.some((t) => t.state === 'Completed')) {
    return reject('abort-not-allowed', 'the payment has a successful transaction');
  }
  if (view.paymentState !== 'Ready') return reject('abort-not-allowed', `the payment is ${view.paymentState}`);
  if (!view.abortAvailable) return reject('abort-not-allowed', 'Swedbank Pay does not offer update-payment-abort now');
  return accept(null);
}

/**
 * Admission while the authorization is pending: requests are held and judged against the authorized
 * amount once it is known, so no amount is compared with the announced one here. Only their shape
 * and the place of an abort matter now.
 */
export function decideHeldAdmission(
  /** Everything waiting for the authorization, in order (token deletions included). */
  held: readonly { kind: string; amount?: number }[],
  request: { kind: TransactionKind | 'abort'; amount?: unknown; vatAmount?: unknown },
): Decision<null> {
  if (held.some((q) => q.kind === 'abort')) return reject('payment-aborted', 'an abort is queued');
  if (request.kind === 'abort') {
    return held.length > 0
      ? reject('abort-not-allowed', 'other operations are held; abort is not possible now')
      : accept(null);
  }
  if (request.kind !== 'cancellation') {
    const invalid = checkAmounts(request.amount, request.vatAmount);
    if (invalid) return { ok: false, rejection: invalid };
  }
  return accept(null);
}

/** How the authorization phase ended without an authorization. */
export type AuthorizationEnd = { kind: 'failed'; reason: string } | { kind: 'abandoned' } | { kind: 'aborted' };

/** The answer every request held during the phase gets when the payment was never authorized. */
export function heldRejection(end: AuthorizationEnd): Rejection {
  switch (end.kind) {
    case 'failed':
      return { code: 'authorization-failed', message: `the authorization failed: ${end.reason}` };
    case 'abandoned':
      return {
        code: 'payment-abandoned',
        message: 'the payment was not authorized in time and has been aborted',
      };
    case 'aborted':
      return { code: 'payment-aborted', message: 'the payment was aborted before it was authorized' };
  }
}
