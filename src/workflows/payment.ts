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
import { ApplicationFailure } from '@temporalio/workflow';
import type { PaymentSummary, PaymentWorkflowInput } from '../contract/index.js';
import { inputProblems } from '../domain/input.js';
import { registerHandlers } from './handlers.js';
import { authorizationPhase, endWithoutAuthorization } from './phases/authorization.js';
import { lifecycle, readAuthorizedPayment } from './phases/lifecycle.js';
import { createRuntime } from './runtime.js';
import { PaymentState, type CarriedState } from './state.js';
import { webUi } from './web-ui.js';

export type { PaymentSummary };

export async function swedbankPayPayment(input: PaymentWorkflowInput): Promise<PaymentSummary> {
  const problems = inputProblems(input, { baseline: true });
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid payment workflow input: ${problems.join('; ')}`, 'invalid-input');
  }
  const state = new PaymentState(input, { now: () => Date.now(), show: webUi() }, input.carried as CarriedState);
  const rt = createRuntime(state);
  registerHandlers(state);

  if (state.authorization?.phase === 'AwaitingAuthorization') {
    const end = await authorizationPhase(rt, state.authorization);
    if (end) return endWithoutAuthorization(rt, state.authorization, end);
  }
  if (!state.ledger) await readAuthorizedPayment(rt);
  else state.refresh();
  return lifecycle(rt, input);
}
