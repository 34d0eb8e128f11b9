/**
 * The end of a payment that was never authorized (the payer's authorization failed, it was abandoned,
 * or aborted): requests held for it are answered, token deletions still run, and the lifecycle ends.
 */
import { allHandlersFinished, condition } from '@temporalio/workflow';
import type { AuthorizationState, PaymentSummary } from '../../contract/index.js';
import { heldRejection, type AuthorizationEnd } from '../../domain/authorization.js';
import type { OperationRecord } from '../carry.js';
import { run } from '../operations/run.js';
import type { Runtime } from '../runtime.js';
import { summaryOf } from '../web-ui.js';

/** "90 s", "30 min", "48 h": for messages people read. */
function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 60 * 60 * 1000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** Never authorized: held requests are rejected (token deletions still run) and the lifecycle ends. */
export async function endWithoutAuthorization(
  rt: Runtime,
  a: AuthorizationState,
  end: AuthorizationEnd,
): Promise<PaymentSummary> {
  const { state } = rt;
  a.phase = end.kind === 'failed' ? 'AuthorizationFailed' : end.kind === 'abandoned' ? 'Abandoned' : 'Aborted';
  a.failureReason =
    end.kind === 'failed'
      ? end.reason
      : end.kind === 'abandoned'
        ? `not authorized within ${duration(state.policy.abandonAfterMs)}; aborted`
        : 'aborted before it was authorized';
  state.closing = true;
  const rejection = heldRejection(end);
  for (const op of [...state.queue]) settleHeld(rt, op, end, rejection);
  state.enqueueCloseTokenDeletion();
  const l = state.shownLedger()!;
  while (state.queue[0]) await run(rt, state.queue[0], l);
  state.refresh();
  await condition(allHandlersFinished);
  return summaryOf(state, l);
}

/** A request held for an authorization that never came. */
function settleHeld(
  rt: Runtime,
  op: OperationRecord,
  end: AuthorizationEnd,
  rejection: ReturnType<typeof heldRejection>,
): void {
  const { state } = rt;
  if (op.kind === 'delete-token') {
    op.status = 'queued'; // a token deletion needs no authorization
  } else if (op.kind === 'abort' && end.kind === 'aborted') {
    state.retire(op, {
      operationId: op.id,
      kind: op.kind,
      ...(op.reference !== undefined && { reference: op.reference }),
      state: 'Completed',
    });
  } else {
    state.retire(op, state.rejected(op, rejection));
  }
}
