/** Abort of an authorized payment nothing has succeeded on yet (PATCH update-payment-abort). */
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { OperationResult } from '../../contract/index.js';
import { decideAbort, markAborted, type Ledger } from '../../domain/ledger.js';
import { failureOf, type Runtime } from '../runtime.js';
import type { OperationRecord } from '../carry.js';

export async function runAbort(rt: Runtime, op: OperationRecord, l: Ledger): Promise<OperationResult> {
  const { state, activities, activityOptions } = rt;
  const decision = decideAbort(l);
  if (!decision.ok) return state.rejected(op, decision.rejection);
  const base = { operationId: op.id, kind: op.kind, ...(op.reference !== undefined && { reference: op.reference }) };
  try {
    const { state: paymentState } = await activities.abortPayment.executeWithOptions(
      { ...activityOptions, summary: `abort payment` },
      [state.input.paymentId],
    );
    if (paymentState !== 'Aborted') {
      throw ApplicationFailure.nonRetryable(`payment is ${paymentState} after abort`, 'AbortNotApplied');
    }
    state.ledger = markAborted(l);
    return { ...base, state: 'Completed' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const failure = failureOf(err);
    state.flag(`abort refused: ${failure.message}`);
    return { ...base, state: 'Failed', failureReason: failure.message, failureType: failure.type };
  }
}
