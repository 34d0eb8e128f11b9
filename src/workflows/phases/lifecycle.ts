/**
 * The lifecycle of an authorized payment: run queued operations one at a time, act on the
 * authorization's expiry, keep the reversal window open once nothing remains to capture, close, and
 * continue as new when history grows long.
 */
import { allHandlersFinished, condition, continueAsNew, isCancellation, sleep } from '@temporalio/workflow';
import type { PaymentSummary, PaymentWorkflowInput } from '../../contract/index.js';
import { formatAmount } from '../../domain/amount.js';
import { createLedger, createSaleLedger, type Ledger } from '../../domain/ledger.js';
import { idleStep } from '../../domain/lifecycle.js';
import type { PaymentSnapshot } from '../../activities/payment-activities.js';
import { run } from '../operations/run.js';
import { Backoff, continueAsNewDeferred, continueAsNewDue, Deadline, failureOf, type Runtime } from '../runtime.js';
import { summaryOf } from '../web-ui.js';

/** A payment order as the lifecycle starts from it: authorized (or sold), its method known. */
function startPaymentOrder(rt: Runtime, payment: PaymentSnapshot): Ledger {
  const { state } = rt;
  const { input } = state;
  if (payment.paymentMethod !== undefined) state.paymentMethod = payment.paymentMethod;
  if (payment.state !== 'Paid') state.flag(`the payment order is ${payment.state}, not Paid, as its lifecycle starts`);
  if (input.authorizedAmount !== undefined && input.authorizedAmount !== payment.amount) {
    const shown = (n: number) => formatAmount(n, payment.currency);
    state.flag(
      `Swedbank Pay shows ${shown(payment.amount)} paid, not the ${shown(input.authorizedAmount)} the starter gave`,
    );
  }
  const sale = payment.transactionType === 'Sale';
  const untouched = sale ? payment.remainingReversalAmount : payment.remainingCaptureAmount;
  if (untouched !== undefined && untouched !== payment.amount) {
    state.flag('the payment order already had transactions when this workflow started');
  }
  if (sale) return createSaleLedger(payment.currency, payment.amount);
  return { ...createLedger(payment.currency, payment.amount), authorizedByPayer: true };
}

/** The authorized amount, read with GET when the starter did not give it (and always for a payment order). */
export async function readAuthorizedPayment(rt: Runtime): Promise<Ledger> {
  const { state } = rt;
  for (const backoff = new Backoff(rt); !state.ledger; backoff.next()) {
    try {
      const payment = await rt.activities.getPayment.executeWithOptions(
        { ...rt.activityOptions, summary: 'read the authorized payment' },
        [state.input.paymentId],
      );
      if (state.instrument === 'paymentorder') {
        state.ledger = startPaymentOrder(rt, payment);
        break;
      }
      state.ledger = createLedger(payment.currency, payment.amount);
      if (payment.remainingCaptureAmount !== undefined && payment.remainingCaptureAmount !== payment.amount) {
        state.flag('the payment already had transactions when this workflow started');
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      state.flag(`could not read the payment: ${failureOf(err).message}; trying again`);
      await sleep(backoff.delay);
    }
  }
  state.refresh();
  return state.ledger;
}

/** What the loop does next when nothing is queued. */
type Idle = { next: 'loop' } | { next: 'close' } | { next: 'wait'; until?: number };

/** Acts on the policy's deadlines (the expiry lead time, the end of the reversal window) when due. */
function idle(rt: Runtime, ledger: Ledger, t: number): Idle {
  const { state } = rt;
  const step = idleStep(ledger, {
    now: t,
    policy: state.policy,
    expiryHandled: state.expiryHandled,
    expiryActionAt: state.expiryActionAt,
    settledAt: state.settledAt,
  });
  if (step.act === 'expire') {
    state.expiryHandled = true;
    if (step.how === 'cancel') {
      state.enqueuePolicy('cancellation', {
        reference: 'authorization-expiry',
        description: 'Cancel before authorization expiry',
      });
    } else {
      state.flag(`authorization expires at ${new Date(state.expiresAt).toISOString()} with an uncaptured remainder`);
    }
    return { next: 'loop' };
  }
  if (step.settledAt !== undefined) state.settledAt = step.settledAt;
  if (step.act === 'close') {
    state.closing = true;
    return state.enqueueCloseTokenDeletion() ? { next: 'loop' } : { next: 'close' };
  }
  return { next: 'wait', ...(step.until !== undefined && { until: step.until }) };
}

/** Runs the lifecycle until it closes; continues as new (carrying the state) when history grows long. */
export async function lifecycle(rt: Runtime, input: PaymentWorkflowInput): Promise<PaymentSummary> {
  const { state } = rt;
  const deadline = new Deadline();
  for (;;) {
    const ledger = state.ledger!;
    const next = state.queue[0];
    if (next) {
      await run(rt, next, ledger);
      continue;
    }
    const t = state.now();
    const step = idle(rt, ledger, t);
    if (step.next === 'loop') continue;
    if (step.next === 'close') {
      // Closing: requests still being answered finish first; one that queued meanwhile runs.
      await condition(allHandlersFinished);
      if (state.queue.length === 0) break;
      continue;
    }
    if (continueAsNewDue(rt)) {
      await condition(allHandlersFinished);
      if (state.queue.length > 0) continue;
      if (continueAsNewDeferred(rt)) {
        // A 1 ms timer makes a later task when nothing else comes.
        await condition(() => state.queue.length > 0 || !continueAsNewDeferred(rt), 1);
        continue;
      }
      state.refreshNow();
      await continueAsNew<(input: PaymentWorkflowInput) => Promise<PaymentSummary>>({
        ...input,
        carried: state.carry(),
      });
    }
    if (rt.features.leanCommands) {
      // One timer for the next deadline, kept while requests come and go; a callback needs nothing here.
      deadline.set(step.until);
      await condition(() => state.queue.length > 0 || deadline.due || continueAsNewDue(rt));
      continue;
    }
    const wait = step.until !== undefined ? Math.max(1, step.until - t) : undefined;
    const before = state.callbacksReceived;
    await condition(() => state.queue.length > 0 || state.callbacksReceived !== before || continueAsNewDue(rt), wait);
  }
  return summaryOf(state, state.ledger!);
}
