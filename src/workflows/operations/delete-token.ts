/**
 * Deletion of the payment's token at Swedbank Pay: on request, or when the lifecycle closes. A
 * payment order given no token type deletes every token its payment created.
 */
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { OperationResult } from '../../contract/index.js';
import { failureOf, type Runtime } from '../runtime.js';
import type { OperationRecord } from '../carry.js';

export async function runDeleteToken(rt: Runtime, op: OperationRecord): Promise<OperationResult> {
  const { state, activities, activityOptions } = rt;
  const base = { operationId: op.id, kind: op.kind, ...(op.reference !== undefined && { reference: op.reference }) };
  const token = state.input.paymentToken;
  if (!state.hasTokenToDelete()) {
    return state.rejected(op, { code: 'no-payment-token', message: 'this payment has no payment token' });
  }
  if (state.tokenDeleted) return { ...base, state: 'Completed' };
  try {
    const comment = op.comment ?? 'Payment lifecycle closed';
    // The worker reads the token from Swedbank Pay; only payments started before contract 1.3 carry it.
    const request = token?.token
      ? { paymentToken: token.token, tokenType: token.type, comment }
      : { paymentId: state.input.paymentId, ...(token && { tokenType: token.type }), comment };
    const { isDeleted } = await activities.deletePaymentToken.executeWithOptions(
      {
        ...activityOptions,
        summary: token?.token ? `delete ${token.type} …${token.token.slice(-4)}` : `delete ${token?.type ?? 'tokens'}`,
      },
      [request],
    );
    if (!isDeleted) throw ApplicationFailure.nonRetryable('Swedbank Pay kept the token', 'TokenNotDeleted');
    state.tokenDeleted = true;
    return { ...base, state: 'Completed' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const failure = failureOf(err);
    state.flag(`token deletion refused: ${failure.message}`);
    return { ...base, state: 'Failed', failureReason: failure.message, failureType: failure.type };
  }
}
