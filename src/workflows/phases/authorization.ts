/**
 * The authorization phase (awaitAuthorization): the workflow started while the payer was still
 * paying. Requests are held until Swedbank Pay's answer is known: a callback is a hint, a GET of the
 * payment and its transactions is the truth, and a backing-off poll covers lost callbacks. An unpaid
 * payment is aborted when abandoned (or when the OMS asks), and the race with a late authorization is
 * settled by looking again.
 */
import { isCancellation } from '@temporalio/workflow';
import type { AuthorizationSnapshot } from '../../activities/payment-activities.js';
import type { AuthorizationState } from '../../contract/index.js';
import { formatAmount } from '../../domain/amount.js';
import { authorizationOutcome, decideAbandonment, type AuthorizationEnd } from '../../domain/authorization.js';
import { createLedger, createSaleLedger } from '../../domain/ledger.js';
import { authorizationExpiry, expiryActionAt } from '../../domain/policy.js';
import { Backoff, continueAsNewIfDue, failureOf, mustContinueAsNew, waitForHint, type Runtime } from '../runtime.js';

/** Reads the payment and its transactions; undefined (flagged) when it could not be read. */
async function readAuthorization(rt: Runtime, summary: string): Promise<AuthorizationSnapshot | undefined> {
  const { state } = rt;
  try {
    const snapshot = await rt.activities.readAuthorization.executeWithOptions({ ...rt.activityOptions, summary }, [
      state.input.paymentId,
    ]);
    if (state.authorization) state.authorization.checks++;
    return snapshot;
  } catch (err) {
    if (isCancellation(err)) throw err;
    state.flag(`could not read the payment: ${failureOf(err).message}; still waiting for its authorization`);
    return undefined;
  }
}

/**
 * Swedbank Pay authorized the payment (or, for a one-phase payment order, sold it): the ledger starts
 * from its amount, and held requests run.
 */
function authorized(
  rt: Runtime,
  a: AuthorizationState,
  snapshot: AuthorizationSnapshot,
  outcome: { amount: number; sale?: true },
): void {
  const { state } = rt;
  const { amount } = outcome;
  const type = outcome.sale ? 'Sale' : 'Authorization';
  const completed = snapshot.transactions.filter((t) => t.type === type && t.state === 'Completed');
  const last = completed.at(-1);
  const created = last ? Date.parse(last.created) : Number.NaN;
  const at = Number.isNaN(created) ? state.now() : Math.min(created, state.now());
  state.ledger = outcome.sale
    ? createSaleLedger(snapshot.currency, amount)
    : { ...createLedger(snapshot.currency, amount), authorizedByPayer: true };
  if (snapshot.paymentMethod !== undefined) state.paymentMethod = snapshot.paymentMethod;
  a.phase = 'Authorized';
  a.authorizedAmount = amount;
  a.authorizedAt = new Date(at).toISOString();
  if (last) {
    a.transactionId = last.transactionId;
    a.number = last.number;
  }
  state.expiresAt = authorizationExpiry(state.policy, a.authorizedAt);
  state.expiryActionAt = expiryActionAt(state.policy, a.authorizedAt);
  if (a.currency !== undefined && a.currency !== snapshot.currency) {
    state.flag(`authorized in ${snapshot.currency}, not the announced ${a.currency}`);
  } else if (a.announcedAmount !== undefined && a.announcedAmount !== amount) {
    state.flag(
      `authorized ${formatAmount(amount, snapshot.currency)}, not the announced ${formatAmount(a.announcedAmount, snapshot.currency)}`,
    );
  }
  a.currency = snapshot.currency;
  if (snapshot.transactions.some((t) => t.type !== type && t.state === 'Completed')) {
    state.flag('the payment already had transactions when it was authorized');
  }
  const head = state.queue[0];
  if (head?.kind === 'abort') {
    // Swedbank Pay aborts only payments without a successful transaction: this one has its authorization.
    state.retire(
      head,
      state.rejected(head, {
        code: 'abort-not-allowed',
        message: 'the payment was authorized before the abort could land; cancel it instead',
      }),
    );
  }
  for (const op of state.queue) if (op.status === 'held') op.status = 'queued';
  state.refresh();
}

/**
 * PATCH abort of a payment nobody has authorized. Anything but a confirmed Aborted (a refusal, the
 * operation gone) may mean an authorization landed first: the caller looks again before deciding.
 */
async function abortUnauthorized(
  rt: Runtime,
  reason: 'abandoned' | 'requested',
): Promise<{ aborted: boolean; why?: string }> {
  const { state } = rt;
  const head = state.queue[0];
  if (reason === 'requested' && head) {
    head.status = 'running';
    state.refresh();
  }
  let outcome: { aborted: boolean; why?: string };
  try {
    const summary = reason === 'abandoned' ? 'abort abandoned payment' : 'abort unpaid payment';
    const { state: paymentState } = await rt.activities.abortPayment.executeWithOptions(
      { ...rt.activityOptions, summary },
      [state.input.paymentId],
    );
    outcome =
      paymentState === 'Aborted'
        ? { aborted: true }
        : { aborted: false, why: `the payment is ${paymentState} after abort` };
  } catch (err) {
    if (isCancellation(err)) throw err;
    outcome = { aborted: false, why: failureOf(err).message };
  }
  if (reason === 'requested' && head?.status === 'running') head.status = 'held';
  return outcome;
}

/** Where the abort of an unpaid payment stands between two reads. */
interface AbortWatch {
  /** After a refused or impossible abort, wait a poll before the next try. */
  notBefore: number;
  /** Why the last abort did not land. */
  refusal?: string;
  blockedFlagged: boolean;
}

/** An abort of the unpaid payment is due: the OMS asked, or it is abandoned, and no retry pause holds it. */
function abortDue(rt: Runtime, abandonAt: number, watch: AbortWatch): boolean {
  const { state } = rt;
  return (state.queue[0]?.kind === 'abort' || state.now() >= abandonAt) && state.now() >= watch.notBefore;
}

/** Aborts the unpaid payment; how the phase ends if it landed, else why not (then read again at once). */
async function abortAndLook(rt: Runtime): Promise<{ end: AuthorizationEnd } | { refusal: string | undefined }> {
  const { state } = rt;
  const requested = state.queue[0]?.kind === 'abort';
  const result = await abortUnauthorized(rt, requested ? 'requested' : 'abandoned');
  if (!result.aborted) return { refusal: result.why };
  // Look once more: an authorization taken despite the abort must not go unnoticed.
  const after = await readAuthorization(rt, 'check the aborted payment');
  if (after?.transactions.some((t) => t.state === 'Completed')) {
    state.flag('the payment was aborted with a completed transaction: check it at Swedbank Pay');
  }
  // An abort the OMS asked for meanwhile was carried out too: it is answered Completed.
  const askedFor = requested || state.queue.some((op) => op.kind === 'abort');
  return { end: askedFor ? { kind: 'aborted' } : { kind: 'abandoned' } };
}

/** The unpaid payment cannot be aborted now: try again after a poll, flag it once when long overdue. */
function abortBlocked(rt: Runtime, abandonAt: number, watch: AbortWatch, why: string, delay: number): void {
  const { state } = rt;
  watch.notBefore = state.now() + delay;
  if (!watch.blockedFlagged && state.now() - abandonAt > state.policy.pendingAttentionAfterMs) {
    watch.blockedFlagged = true;
    state.flag(`the unpaid payment cannot be aborted: ${why}; still watching`);
  }
}

/**
 * Waits for the authorization. Returns how the phase ended when the payment was never authorized;
 * undefined once it is authorized (the ledger then exists and held requests are queued).
 */
export async function authorizationPhase(rt: Runtime, a: AuthorizationState): Promise<AuthorizationEnd | undefined> {
  const { state } = rt;
  const abandonAt = Date.parse(a.abandonAt);
  const backoff = new Backoff(rt);
  const watch: AbortWatch = { notBefore: 0, blockedFlagged: false };
  state.refresh();
  for (;;) {
    continueAsNewIfDue(rt); // the phase resumes in the next run, with what is held
    const seen = state.callbacksReceived;
    const snapshot = await readAuthorization(rt, 'check the authorization');
    if (snapshot) {
      const outcome = authorizationOutcome(snapshot);
      if (outcome.kind === 'authorized') {
        authorized(rt, a, snapshot, outcome);
        return undefined;
      }
      if (outcome.kind === 'failed') return { kind: 'failed', reason: outcome.reason };
      if (outcome.kind === 'aborted') {
        if (state.queue[0]?.kind !== 'abort')
          state.flag('the payment was aborted at Swedbank Pay before it was authorized');
        return { kind: 'aborted' };
      }
      a.currency ??= snapshot.currency;
      if (a.failedAttempts !== outcome.failedAttempts) {
        a.failedAttempts = outcome.failedAttempts;
        state.refresh();
      }
      if (watch.refusal !== undefined) {
        // Still unpaid after a refused abort: not the race with an authorization, something else.
        state.flag(`abort of the unpaid payment refused: ${watch.refusal}; still watching`);
        watch.refusal = undefined;
      }
      if (abortDue(rt, abandonAt, watch)) {
        const decision = decideAbandonment(snapshot);
        if (decision.ok) {
          const attempt = await abortAndLook(rt);
          if ('end' in attempt) return attempt.end;
          watch.refusal = attempt.refusal;
          watch.notBefore = state.now() + backoff.delay;
          continue; // the race: an authorization may have landed just before the abort; read at once
        }
        abortBlocked(rt, abandonAt, watch, decision.rejection.message, backoff.delay);
      }
    }
    // Wait for a callback, an abort request, the abandonment time or the next poll.
    const abortHead = state.queue[0]?.kind === 'abort';
    const abortAt = Math.max(abortHead ? state.now() : abandonAt, watch.notBefore);
    const wait = snapshot && abortAt > state.now() ? Math.min(backoff.delay, abortAt - state.now()) : backoff.delay;
    await waitForHint(rt, seen, wait, () => (!abortHead && state.queue[0]?.kind === 'abort') || mustContinueAsNew(rt));
    backoff.next();
  }
}
