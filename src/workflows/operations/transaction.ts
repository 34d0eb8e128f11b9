/**
 * Captures, cancellations and reversals: judged by the ledger at their turn, sent with the
 * payeeReference fixed when they were queued, and followed until Swedbank Pay's answer is final.
 * Swedbank Pay saying no is recorded and flagged, never a workflow failure.
 */
import type {
  CreateTransactionInput,
  TransactionSnapshot,
  WaitingOperation,
} from '../../activities/payment-activities.js';
import { ActivityFailure, type ActivityOptions } from '@temporalio/workflow';
import type { OperationResult } from '../../contract/index.js';
import {
  beginTransaction,
  decideCancellation,
  decideCapture,
  decideReversal,
  settleTransaction,
  type Decision,
  type Ledger,
  type TransactionKind,
} from '../../domain/ledger.js';
import { transactionSummary } from '../../domain/view.js';
import {
  Backoff,
  continueAsNewIfDue,
  failureOf,
  interruptible,
  isUnwinding,
  mustContinueAsNew,
  patiently,
  waitForHint,
  type Runtime,
} from '../runtime.js';
import type { OperationRecord } from '../carry.js';
import { operationFields } from '../state.js';

const isPending = (tx: TransactionSnapshot) => tx.state === 'Initialized' || tx.state === 'AwaitingActivity';

/**
 * Reads a pending transaction's outcome: a legacy transaction by its id; a payment order's (which has
 * no id until it is listed) by its payeeReference, or a new failed attempt of its kind.
 */
function check(
  rt: Runtime,
  op: OperationRecord,
  tx: TransactionSnapshot,
  options: ActivityOptions,
  waiting: WaitingOperation,
): Promise<TransactionSnapshot> {
  const { state, activities } = rt;
  if (state.instrument !== 'paymentorder') {
    return activities.getTransaction.executeWithOptions(options, [tx.transactionId, waiting]);
  }
  const ref = {
    paymentId: state.input.paymentId,
    kind: op.kind as TransactionKind,
    payeeReference: tx.payeeReference,
    amount: tx.amount,
    vatAmount: tx.vatAmount,
    failedAttemptsSeen: tx.failedAttemptsSeen ?? 0,
  };
  return activities.getPaymentOrderTransaction.executeWithOptions(options, [ref, waiting]);
}

/**
 * Initialized / AwaitingActivity: wait for a callback or a poll timer, then GET the truth. A failed
 * GET is no outcome, so it is flagged and polling goes on. A new run may start while waiting: the
 * operation's progress carries the transaction to look at.
 */
async function awaitOutcome(
  rt: Runtime,
  op: OperationRecord,
  tx: TransactionSnapshot,
  what: string,
): Promise<TransactionSnapshot> {
  const { state, activityOptions } = rt;
  const backoff = new Backoff(rt);
  const since = op.progress ? Date.parse(op.progress.sentAt) : state.now();
  let flagged = op.progress?.flagged ?? false;
  const waiting: WaitingOperation = {
    operation: op.kind as TransactionKind,
    payeeReference: op.payeeReference!,
    orderId: state.input.orderId,
    waitingSince: new Date(since).toISOString(),
  };
  if (isPending(tx)) {
    state.log('info', `${what}: outcome unknown (${tx.state}); waiting for a callback or a poll`, {
      ...operationFields(op),
      transactionId: tx.transactionId,
    });
  }
  while (isPending(tx)) {
    if (op.progress) op.progress.transaction = tx;
    continueAsNewIfDue(rt);
    await waitForHint(rt, state.callbacksReceived, backoff.delay, () => mustContinueAsNew(rt));
    continueAsNewIfDue(rt);
    backoff.next();
    try {
      // Not `patiently`: this loop flags a long wait itself, without a timer per poll in history.
      tx = await check(rt, op, tx, { ...activityOptions, summary: `check ${what}` }, waiting);
    } catch (err) {
      if (isUnwinding(err)) throw err;
      state.flag(`${what}: could not read the outcome (${failureOf(err).message}); still polling`);
    }
    if (!flagged && state.now() - since > state.policy.pendingAttentionAfterMs) {
      flagged = true;
      if (op.progress) op.progress.flagged = true;
      state.flag(`${what}: still ${tx.state} after ${Math.round((state.now() - since) / 60000)} minutes`);
    }
  }
  return tx;
}

/** The activity gave up at its deadline: Swedbank Pay's answer is still unknown, not a refusal. */
function outcomeUnknown(err: unknown): boolean {
  return err instanceof ActivityFailure && err.retryState === 'TIMEOUT';
}

/**
 * Sends the request (an earlier attempt's transaction is looked up first on every retry) and awaits
 * Swedbank Pay's answer. The activity's schedule-to-close timeout is the "outcome still unknown"
 * deadline, `pendingAttentionAfterMs` after the request was first sent, so waiting costs no timer:
 * past it the payment is flagged and a new activity carries on, looking the payeeReference up before
 * it sends anything. While the request is in flight, its hold is not written to the search attributes.
 */
async function send(
  rt: Runtime,
  op: OperationRecord,
  request: CreateTransactionInput,
  summary: string,
): Promise<TransactionSnapshot> {
  const { state, activities, activityOptions } = rt;
  const sentAt = op.progress ? Date.parse(op.progress.sentAt) : state.now();
  let flagged = false;
  let resume = request.resume === true;
  state.requestInFlight = true;
  try {
    for (;;) {
      const left = sentAt + state.policy.pendingAttentionAfterMs - state.now();
      if (!flagged && left <= 0) {
        flagged = true;
        state.flag(`${summary}: outcome still unknown`);
      }
      const input = resume ? { ...request, resume: true } : request;
      try {
        return await interruptible(rt, () =>
          activities.createTransaction.executeWithOptions(
            { ...activityOptions, summary, ...(!flagged && { scheduleToCloseTimeout: left }) },
            [input],
          ),
        );
      } catch (err) {
        if (flagged || !outcomeUnknown(err)) throw err;
        flagged = true;
        resume = true;
        state.flag(`${summary}: outcome still unknown`);
      }
    }
  } finally {
    state.requestInFlight = false;
    state.refresh();
  }
}

function decide(op: OperationRecord & { kind: TransactionKind }, l: Ledger): Decision<{ amount: number }> {
  if (op.kind === 'capture') return decideCapture(l, op.amount, op.vatAmount);
  if (op.kind === 'cancellation') return decideCancellation(l);
  return decideReversal(l, op.amount, op.vatAmount);
}

/**
 * Judges the operation and records it in the ledger as pending (held back from what remains), or,
 * when an earlier run already did, finds its entry. Undefined: refused by the ledger (`rejection`).
 */
function begin(
  rt: Runtime,
  op: OperationRecord & { kind: TransactionKind },
  l: Ledger,
): { amount: number; vatAmount: number } | { rejection: OperationResult } {
  const { state } = rt;
  const carried = op.progress && l.entries.find((e) => e.payeeReference === op.payeeReference);
  if (carried) return { amount: carried.amount, vatAmount: carried.vatAmount };
  const decision = decide(op, l);
  if (!decision.ok) return { rejection: state.rejected(op, decision.rejection) };
  const amount = decision.value.amount;
  const vatAmount = op.kind === 'cancellation' ? 0 : (op.vatAmount ?? 0);
  state.ledger = beginTransaction(l, { kind: op.kind, payeeReference: op.payeeReference!, amount, vatAmount });
  state.refresh();
  return { amount, vatAmount };
}

export async function runTransaction(
  rt: Runtime,
  op: OperationRecord & { kind: TransactionKind },
  l: Ledger,
): Promise<OperationResult> {
  const { state, activities, activityOptions } = rt;
  const begun = begin(rt, op, l);
  if ('rejection' in begun) return begun.rejection;
  const { amount, vatAmount } = begun;
  const payeeReference = op.payeeReference!;
  // Sent from here on: a new run started before the outcome is known looks it up before sending again.
  const resumed = op.progress !== undefined;
  if (!resumed && rt.features.continueAsNewAnytime) op.progress = { sentAt: new Date(state.now()).toISOString() };
  const summary = transactionSummary(op.kind, amount, l.currency, payeeReference);
  const request: CreateTransactionInput = {
    paymentId: state.input.paymentId,
    kind: op.kind,
    payeeReference,
    description: op.description ?? op.kind,
    ...(op.kind !== 'cancellation' && { amount, vatAmount }),
    ...(op.itemDescriptions && { itemDescriptions: op.itemDescriptions }),
    ...(op.vatSummary && { vatSummary: op.vatSummary }),
    ...(op.orderItems && { orderItems: op.orderItems }),
    ...(op.receiptReference !== undefined && { receiptReference: op.receiptReference }),
    ...(op.kind === 'cancellation' && state.instrument === 'paymentorder' && { cancellationAmount: amount }),
    ...(resumed && { resume: true }),
    orderId: state.input.orderId,
  };
  const base = {
    operationId: op.id,
    kind: op.kind,
    ...(op.reference !== undefined && { reference: op.reference }),
    payeeReference,
  };
  if (!op.progress?.transaction) state.log('info', `${summary}: sending to Swedbank Pay`, operationFields(op));
  try {
    let tx =
      op.progress?.transaction ??
      (rt.features.leanCommands
        ? await send(rt, op, request, summary)
        : await patiently(
            rt,
            () => activities.createTransaction.executeWithOptions({ ...activityOptions, summary }, [request]),
            summary,
          ));
    if (isPending(tx)) tx = await awaitOutcome(rt, op, tx, summary);
    const txState = tx.state === 'Completed' ? 'Completed' : 'Failed';
    state.ledger = settleTransaction(state.ledger!, payeeReference, {
      state: txState,
      amount: tx.amount,
      vatAmount: tx.vatAmount,
      // A payment order's failed attempt has no transaction id (and may have no number).
      ...(tx.number && { number: tx.number }),
      ...(tx.transactionId && { transactionId: tx.transactionId }),
      ...(tx.failedReason !== undefined && { failedReason: tx.failedReason }),
    });
    if (txState === 'Failed') state.flag(`${summary} failed at Swedbank Pay: ${tx.failedReason ?? 'no reason given'}`);
    return {
      ...base,
      state: txState,
      amount: tx.amount,
      vatAmount: tx.vatAmount,
      ...(tx.number && { number: tx.number }),
      ...(tx.transactionId && { transactionId: tx.transactionId }),
      ...(txState === 'Failed' && {
        failureReason: tx.failedReason ?? 'failed at Swedbank Pay',
        failureType: 'Failed',
      }),
    };
  } catch (err) {
    // Cancelling the workflow, or moving to a new run, says nothing about Swedbank Pay: not a failure.
    if (isUnwinding(err)) throw err;
    // The activity fails non-retryably only on a definite answer: nothing was created, or it failed.
    const failure = failureOf(err);
    state.ledger = settleTransaction(state.ledger!, payeeReference, {
      state: 'Failed',
      amount,
      failedReason: failure.message,
    });
    state.flag(`${summary} refused: ${failure.message}`);
    return { ...base, state: 'Failed', amount, vatAmount, failureReason: failure.message, failureType: failure.type };
  }
}
