/**
 * Captures, cancellations and reversals: judged by the ledger at their turn, sent with the
 * payeeReference fixed when they were queued, and followed until Swedbank Pay's answer is final.
 * Swedbank Pay saying no is recorded and flagged, never a workflow failure.
 */
import { isCancellation } from '@temporalio/workflow';
import type { CreateTransactionInput, TransactionSnapshot } from '../../activities/payment-activities.js';
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
import { Backoff, failureOf, patiently, waitForHint, type Runtime } from '../runtime.js';
import type { OperationRecord } from '../state.js';

const isPending = (tx: TransactionSnapshot) => tx.state === 'Initialized' || tx.state === 'AwaitingActivity';

/**
 * Initialized / AwaitingActivity: wait for a callback or a poll timer, then GET the truth. A failed
 * GET is no outcome, so it is flagged and polling goes on.
 */
async function awaitOutcome(rt: Runtime, tx: TransactionSnapshot, what: string): Promise<TransactionSnapshot> {
  const { state, activities, activityOptions } = rt;
  const backoff = new Backoff(rt);
  const since = state.now();
  let flagged = false;
  while (isPending(tx)) {
    await waitForHint(rt, state.callbacksReceived, backoff.delay);
    backoff.next();
    try {
      // Not `patiently`: this loop flags a long wait itself, without a timer per poll in history.
      tx = await activities.getTransaction.executeWithOptions({ ...activityOptions, summary: `check ${what}` }, [
        tx.transactionId,
      ]);
    } catch (err) {
      if (isCancellation(err)) throw err;
      state.flag(`${what}: could not read the outcome (${failureOf(err).message}); still polling`);
    }
    if (!flagged && state.now() - since > state.policy.pendingAttentionAfterMs) {
      flagged = true;
      state.flag(`${what}: still ${tx.state} after ${Math.round((state.now() - since) / 60000)} minutes`);
    }
  }
  return tx;
}

function decide(op: OperationRecord & { kind: TransactionKind }, l: Ledger): Decision<{ amount: number }> {
  if (op.kind === 'capture') return decideCapture(l, op.amount, op.vatAmount);
  if (op.kind === 'cancellation') return decideCancellation(l);
  return decideReversal(l, op.amount, op.vatAmount);
}

export async function runTransaction(
  rt: Runtime,
  op: OperationRecord & { kind: TransactionKind },
  l: Ledger,
): Promise<OperationResult> {
  const { state, activities, activityOptions } = rt;
  const decision = decide(op, l);
  if (!decision.ok) return state.rejected(op, decision.rejection);
  const amount = decision.value.amount;
  const vatAmount = op.kind === 'cancellation' ? 0 : (op.vatAmount ?? 0);
  const payeeReference = op.payeeReference!;
  state.ledger = beginTransaction(l, { kind: op.kind, payeeReference, amount, vatAmount });
  state.refresh();
  const summary = transactionSummary(op.kind, amount, l.currency, payeeReference);
  const request: CreateTransactionInput = {
    paymentId: state.input.paymentId,
    kind: op.kind,
    payeeReference,
    description: op.description ?? op.kind,
    ...(op.kind !== 'cancellation' && { amount, vatAmount }),
    ...(op.itemDescriptions && { itemDescriptions: op.itemDescriptions }),
    ...(op.vatSummary && { vatSummary: op.vatSummary }),
  };
  const base = {
    operationId: op.id,
    kind: op.kind,
    ...(op.reference !== undefined && { reference: op.reference }),
    payeeReference,
  };
  try {
    let tx = await patiently(
      rt,
      activities.createTransaction.executeWithOptions({ ...activityOptions, summary }, [request]),
      summary,
    );
    tx = await awaitOutcome(rt, tx, summary);
    const txState = tx.state === 'Completed' ? 'Completed' : 'Failed';
    state.ledger = settleTransaction(state.ledger, payeeReference, {
      state: txState,
      amount: tx.amount,
      vatAmount: tx.vatAmount,
      number: tx.number,
      transactionId: tx.transactionId,
      ...(tx.failedReason !== undefined && { failedReason: tx.failedReason }),
    });
    if (txState === 'Failed') state.flag(`${summary} failed at Swedbank Pay: ${tx.failedReason ?? 'no reason given'}`);
    return {
      ...base,
      state: txState,
      amount: tx.amount,
      vatAmount: tx.vatAmount,
      number: tx.number,
      transactionId: tx.transactionId,
      ...(txState === 'Failed' && {
        failureReason: tx.failedReason ?? 'failed at Swedbank Pay',
        failureType: 'Failed',
      }),
    };
  } catch (err) {
    // Cancelling the workflow says nothing about Swedbank Pay: never record it as a failure.
    if (isCancellation(err)) throw err;
    // The activity fails non-retryably only on a definite answer: nothing was created, or it failed.
    const failure = failureOf(err);
    state.ledger = settleTransaction(state.ledger, payeeReference, {
      state: 'Failed',
      amount,
      failedReason: failure.message,
    });
    state.flag(`${summary} refused: ${failure.message}`);
    return { ...base, state: 'Failed', amount, vatAmount, failureReason: failure.message, failureType: failure.type };
  }
}
