/**
 * The payment ledger: the one place every money rule lives. Pure TypeScript (no I/O, no Temporal),
 * immutable values in, new values out, integer minor units throughout.
 *
 * Rules (Swedbank Pay's, applied before anything is sent):
 *   capture      <= authorized - captured - cancelled - pending (captures and cancellations)
 *   cancellation  only while something remains to capture; it cancels exactly that remainder
 *   reversal     <= captured - reversed - pending reversals
 *   abort         only before any successful capture, cancellation or reversal, with nothing pending
 *   a sale        (one-phase payment order: Swish, Trustly) is captured as it is paid: nothing to
 *                 capture or cancel, only reversals
 * "Pending" covers transactions whose outcome is not known yet and operations queued behind them.
 *
 * Before the authorization (a workflow started while the payer is still paying) there is no ledger
 * yet: the rules of ./authorization.ts decide what Swedbank Pay's answer means then.
 */
import type { LedgerRejectionCode, Rejection } from '../contract/index.js';

export type TransactionKind = 'capture' | 'cancellation' | 'reversal';

/** Pending: sent (or about to be) and not known to be final; Completed and Failed are final. */
export type EntryState = 'Pending' | 'Completed' | 'Failed';

export interface LedgerEntry {
  kind: TransactionKind;
  payeeReference: string;
  amount: number;
  vatAmount: number;
  state: EntryState;
  /** Swedbank Pay's transaction number and id, once known. */
  number?: string;
  transactionId?: string;
  failedReason?: string;
}

export interface Ledger {
  currency: string;
  authorized: number;
  captured: number;
  cancelled: number;
  reversed: number;
  aborted: boolean;
  /**
   * The payer's authorization was seen completing (the lifecycle started before it). Swedbank Pay
   * counts it as a successful transaction, so the payment can no longer be aborted, only cancelled.
   */
  authorizedByPayer?: boolean;
  /**
   * A one-phase payment: Swedbank Pay recorded a Sale, whose amount counts as authorized and
   * captured at once (no capture entry: Swedbank Pay made no capture).
   */
  sale?: boolean;
  entries: LedgerEntry[];
}

export type { Rejection };

export type Decision<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

const accept = <T>(value: T): Decision<T> => ({ ok: true, value });
const reject = <T>(code: LedgerRejectionCode, message: string): Decision<T> => ({
  ok: false,
  rejection: { code, message },
});

export function createLedger(currency: string, authorized: number): Ledger {
  if (!isPositiveMinorUnits(authorized))
    throw new RangeError(`authorized amount must be a positive integer: ${String(authorized)}`);
  return { currency, authorized, captured: 0, cancelled: 0, reversed: 0, aborted: false, entries: [] };
}

/** A one-phase payment (Sale): paid and captured in one step, so only reversals remain possible. */
export function createSaleLedger(currency: string, amount: number): Ledger {
  return { ...createLedger(currency, amount), captured: amount, sale: true, authorizedByPayer: true };
}

const ONE_PHASE = 'a one-phase payment (a sale, e.g. Swish or Trustly) was captured when it was paid';

/** A payment nobody has authorized yet: nothing to capture, cancel or reverse. */
export function emptyLedger(currency: string): Ledger {
  return { currency, authorized: 0, captured: 0, cancelled: 0, reversed: 0, aborted: false, entries: [] };
}

export function isPositiveMinorUnits(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

export function pendingAmount(ledger: Ledger, kind: TransactionKind): number {
  return ledger.entries.filter((e) => e.kind === kind && e.state === 'Pending').reduce((sum, e) => sum + e.amount, 0);
}

/** What may still be captured (or cancelled), with pending captures and cancellations held back. */
export function remainingToCapture(ledger: Ledger): number {
  if (ledger.aborted) return 0;
  return (
    ledger.authorized -
    ledger.captured -
    ledger.cancelled -
    pendingAmount(ledger, 'capture') -
    pendingAmount(ledger, 'cancellation')
  );
}

/** What may still be reversed, with pending reversals held back. */
export function remainingToReverse(ledger: Ledger): number {
  return ledger.captured - ledger.reversed - pendingAmount(ledger, 'reversal');
}

export function hasPending(ledger: Ledger): boolean {
  return ledger.entries.some((e) => e.state === 'Pending');
}

/** True once any capture, cancellation or reversal has succeeded: abort is no longer possible. */
export function hasSuccessfulTransaction(ledger: Ledger): boolean {
  return ledger.entries.some((e) => e.state === 'Completed');
}

/** Amount and VAT amount as Swedbank Pay takes them: positive integer, VAT from 0 to the amount. */
export function checkAmounts(amount: unknown, vatAmount: unknown): Rejection | undefined {
  if (!isPositiveMinorUnits(amount)) {
    return {
      code: 'invalid-amount',
      message: `amount must be a positive integer in minor units, got ${String(amount)}`,
    };
  }
  if (typeof vatAmount !== 'number' || !Number.isSafeInteger(vatAmount) || vatAmount < 0 || vatAmount > amount) {
    return {
      code: 'invalid-vat-amount',
      message: `vatAmount must be an integer in minor units from 0 to the amount (${amount}), got ${String(vatAmount)}`,
    };
  }
  return undefined;
}

export function decideCapture(ledger: Ledger, amount: unknown, vatAmount: unknown): Decision<{ amount: number }> {
  if (ledger.aborted) return reject('payment-aborted', 'the payment is aborted');
  if (ledger.sale) return reject('one-phase-payment', `${ONE_PHASE}: there is nothing to capture`);
  const invalid = checkAmounts(amount, vatAmount);
  if (invalid) return { ok: false, rejection: invalid };
  const remaining = remainingToCapture(ledger);
  if ((amount as number) > remaining) {
    return reject(
      'exceeds-remaining-capture',
      `capture of ${amount as number} exceeds the remaining capturable amount ${remaining} ${ledger.currency}`,
    );
  }
  return accept({ amount: amount as number });
}

/** A cancellation releases exactly what remains to capture; its amount is decided here, not by the caller. */
export function decideCancellation(ledger: Ledger): Decision<{ amount: number }> {
  if (ledger.aborted) return reject('payment-aborted', 'the payment is aborted');
  if (ledger.sale) return reject('one-phase-payment', `${ONE_PHASE}: there is nothing to cancel; reverse it instead`);
  const remaining = remainingToCapture(ledger);
  if (remaining <= 0) return reject('nothing-to-cancel', 'nothing remains to cancel');
  return accept({ amount: remaining });
}

export function decideReversal(ledger: Ledger, amount: unknown, vatAmount: unknown): Decision<{ amount: number }> {
  const invalid = checkAmounts(amount, vatAmount);
  if (invalid) return { ok: false, rejection: invalid };
  const remaining = remainingToReverse(ledger);
  if ((amount as number) > remaining) {
    return reject(
      'exceeds-remaining-reversal',
      `reversal of ${amount as number} exceeds the reversible amount ${remaining} ${ledger.currency}`,
    );
  }
  return accept({ amount: amount as number });
}

export function decideAbort(ledger: Ledger): Decision<null> {
  if (ledger.aborted) return reject('payment-aborted', 'the payment is already aborted');
  if (ledger.sale) return reject('abort-not-allowed', `${ONE_PHASE}: reverse it instead of aborting`);
  if (ledger.authorizedByPayer) {
    return reject('abort-not-allowed', 'the payer has authorized the payment: cancel it instead of aborting');
  }
  if (hasSuccessfulTransaction(ledger)) {
    return reject(
      'abort-not-allowed',
      'a payment with a successful capture, cancellation or reversal cannot be aborted',
    );
  }
  if (hasPending(ledger)) return reject('abort-not-allowed', 'a transaction is pending; abort is not possible now');
  return accept(null);
}

/** Records a transaction about to be sent, holding its amount back from what remains. */
export function beginTransaction(
  ledger: Ledger,
  entry: Pick<LedgerEntry, 'kind' | 'payeeReference' | 'amount' | 'vatAmount'>,
): Ledger {
  if (ledger.entries.some((e) => e.payeeReference === entry.payeeReference)) {
    throw new Error(`payeeReference ${entry.payeeReference} is already in the ledger`);
  }
  return { ...ledger, entries: [...ledger.entries, { ...entry, state: 'Pending' }] };
}

export interface Outcome {
  state: 'Completed' | 'Failed';
  /** The amount Swedbank Pay reports (a cancellation's is the remainder it released). */
  amount: number;
  vatAmount?: number;
  number?: string;
  transactionId?: string;
  failedReason?: string;
}

const TOTAL: Record<TransactionKind, 'captured' | 'cancelled' | 'reversed'> = {
  capture: 'captured',
  cancellation: 'cancelled',
  reversal: 'reversed',
};

/** Records the final outcome of a pending transaction. Settling twice with the same outcome is a no-op. */
export function settleTransaction(ledger: Ledger, payeeReference: string, outcome: Outcome): Ledger {
  const index = ledger.entries.findIndex((e) => e.payeeReference === payeeReference);
  const entry = ledger.entries[index];
  if (!entry) throw new Error(`no transaction with payeeReference ${payeeReference} in the ledger`);
  if (entry.state !== 'Pending') {
    if (entry.state === outcome.state) return ledger;
    throw new Error(`transaction ${payeeReference} is already ${entry.state}, cannot become ${outcome.state}`);
  }
  if (!Number.isSafeInteger(outcome.amount) || outcome.amount < 0) {
    throw new RangeError(`outcome amount must be an integer in minor units: ${outcome.amount}`);
  }
  const settled: LedgerEntry = {
    ...entry,
    state: outcome.state,
    amount: outcome.amount,
    vatAmount: outcome.vatAmount ?? entry.vatAmount,
    ...(outcome.number !== undefined && { number: outcome.number }),
    ...(outcome.transactionId !== undefined && { transactionId: outcome.transactionId }),
    ...(outcome.failedReason !== undefined && { failedReason: outcome.failedReason }),
  };
  const entries = ledger.entries.map((e, i) => (i === index ? settled : e));
  if (outcome.state === 'Failed') return { ...ledger, entries };
  const total = TOTAL[entry.kind];
  return { ...ledger, entries, [total]: ledger[total] + outcome.amount };
}

export function markAborted(ledger: Ledger): Ledger {
  return { ...ledger, aborted: true };
}

/** Nothing is left to capture or cancel and nothing is in flight: only returns (reversals) remain possible. */
export function isFullySettled(ledger: Ledger): boolean {
  return !hasPending(ledger) && (ledger.aborted || ledger.authorized - ledger.captured - ledger.cancelled === 0);
}

/** The invariants that must hold for every ledger; returns the ones that do not. */
export function checkInvariants(ledger: Ledger): string[] {
  const broken: string[] = [];
  const sum = (kind: TransactionKind) =>
    ledger.entries.filter((e) => e.kind === kind && e.state === 'Completed').reduce((s, e) => s + e.amount, 0);
  const sold = ledger.sale ? ledger.authorized : 0;
  if (ledger.captured !== sold + sum('capture')) broken.push('captured equals the sale plus completed captures');
  if (ledger.cancelled !== sum('cancellation')) broken.push('cancelled equals the sum of completed cancellations');
  if (ledger.reversed !== sum('reversal')) broken.push('reversed equals the sum of completed reversals');
  if (ledger.captured + ledger.cancelled > ledger.authorized) broken.push('captured + cancelled <= authorized');
  if (ledger.reversed > ledger.captured) broken.push('reversed <= captured');
  if (remainingToCapture(ledger) < 0) broken.push('remaining to capture >= 0');
  if (remainingToReverse(ledger) < 0) broken.push('remaining to reverse >= 0');
  const refs = new Set(ledger.entries.map((e) => e.payeeReference));
  if (refs.size !== ledger.entries.length) broken.push('payeeReferences are unique');
  return broken;
}

/** An operation admitted but not yet started: its amount is held back from what later requests may use. */
export interface QueuedOperation {
  kind: TransactionKind | 'abort';
  /** For captures and reversals; a cancellation takes whatever remains when it runs. */
  amount?: number;
}

/**
 * Admission of a new request behind operations already queued (the update validators use this).
 * Captures and cancellations are judged pessimistically (queued captures and cancellations will
 * take their amounts); reversals optimistically (queued and pending captures count as captured,
 * since a return is often announced right after its shipment). Every operation is judged again,
 * strictly, when it runs.
 */
export function decideAdmission(
  ledger: Ledger,
  queued: readonly QueuedOperation[],
  request: { kind: TransactionKind | 'abort'; amount?: unknown; vatAmount?: unknown },
): Decision<unknown> {
  if (queued.some((q) => q.kind === 'abort')) return reject('payment-aborted', 'an abort is queued');
  let projected = ledger;
  let n = 0;
  for (const q of queued) {
    if (q.kind === 'abort') continue;
    const amount = q.kind === 'cancellation' ? Math.max(0, remainingToCapture(projected)) : (q.amount ?? 0);
    projected = beginTransaction(projected, { kind: q.kind, payeeReference: `queued-${++n}`, amount, vatAmount: 0 });
  }
  switch (request.kind) {
    case 'capture':
      return decideCapture(projected, request.amount, request.vatAmount);
    case 'cancellation':
      return decideCancellation(projected);
    case 'reversal': {
      const captureInFlight = pendingAmount(projected, 'capture');
      return decideReversal(
        { ...projected, captured: projected.captured + captureInFlight },
        request.amount,
        request.vatAmount,
      );
    }
    case 'abort':
      if (queued.length > 0)
        return reject('abort-not-allowed', 'other operations are queued; abort is not possible now');
      return decideAbort(ledger);
  }
}
