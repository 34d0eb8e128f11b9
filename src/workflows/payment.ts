/**
 * The payment workflow: one per Swedbank Pay payment, the only writer of that payment.
 *
 * A thin durable shell around the pure core. Requests arrive as updates (answered with the final
 * transaction result) or signals (fire-and-forget fulfilment events), are checked, and queue; the
 * queue runs one operation at a time, in arrival order, because Swedbank Pay accepts no new
 * transaction while one is pending. Each operation's payeeReference is fixed when it is queued, so
 * every retry reuses it. Outcomes that are not final yet wait for a callback or a polling timer, then
 * the truth is read with GET. Swedbank Pay saying no never fails the workflow: the failure is
 * recorded, the payment flagged, and the workflow waits for the next instruction.
 *
 *   state.ts           everything the workflow knows, and its decisions
 *   handlers.ts        updates, signals, callbacks, the query
 *   phases/            the authorization phase, then the lifecycle
 *   operations/        capture, cancellation, reversal, abort, token deletion
 *   web-ui.ts          search attributes, details, the query's view
 */
import { ApplicationFailure, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import type { PaymentSummary, PaymentWorkflowInput } from '../contract/index.js';
import { inputProblems } from '../domain/input.js';
import { registerHandlers } from './handlers.js';
import { authorizationPhase } from './phases/authorization.js';
import { endWithoutAuthorization } from './phases/unauthorized.js';
import { features, PATCHES } from './patches.js';
import { paymentLog } from './log.js';
import { lifecycle, readAuthorizedPayment } from './phases/lifecycle.js';
import { ContinueAsNewNow, createRuntime, type Runtime } from './runtime.js';
import type { CarriedState } from './carry.js';
import { PaymentState } from './state.js';
import { webUi } from './web-ui.js';

export type { PaymentSummary };

/**
 * The input as this run must take it. A chain's first run checks everything (a foreign workflow id or
 * a forged `carried` would restart payeeReferences); a continued run carries its own state, its input
 * checked when the chain started. Runs started before the strict check replay with the first release's.
 */
function inputCheck(input: PaymentWorkflowInput): string[] {
  const { workflowId, continuedFromExecutionRunId } = workflowInfo();
  const continued = continuedFromExecutionRunId !== undefined;
  if (!continued && patched(PATCHES.strictInput)) {
    return inputProblems(input, {
      workflowId,
      cardTokenValueRefused: patched(PATCHES.noCardTokenInInput),
      bounded: patched(PATCHES.boundedRequests),
    });
  }
  return inputProblems(input, { baseline: true, continued });
}

/** The authorization phase (when awaited), then the lifecycle. */
async function phases(rt: Runtime, input: PaymentWorkflowInput): Promise<PaymentSummary> {
  const { state } = rt;
  if (state.authorization?.phase === 'AwaitingAuthorization') {
    const end = await authorizationPhase(rt, state.authorization);
    if (end) return endWithoutAuthorization(rt, state.authorization, end);
  }
  if (!state.ledger) await readAuthorizedPayment(rt);
  else state.refresh();
  return lifecycle(rt, input);
}

export async function swedbankPayPayment(input: PaymentWorkflowInput): Promise<PaymentSummary> {
  const problems = inputCheck(input);
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid payment workflow input: ${problems.join('; ')}`, 'invalid-input');
  }
  const decided = features();
  const ui = webUi(decided);
  const state = new PaymentState(
    input,
    { now: () => Date.now(), ...ui, log: paymentLog(input) },
    input.carried as CarriedState,
  );
  // Runs from before the bounded-requests change keep their limits (and carry) as they were.
  if (!decided.boundedRequests) state.bounded = false;
  const rt = createRuntime(state, decided);
  registerHandlers(rt);
  try {
    const summary = await phases(rt, input);
    state.refreshNow();
    return summary;
  } catch (err) {
    if (!(err instanceof ContinueAsNewNow)) throw err;
    // History grew long mid-operation: the next run takes over where this one stands.
    state.refreshNow();
    return await continueAsNew<typeof swedbankPayPayment>({ ...input, carried: state.carry() });
  }
}
