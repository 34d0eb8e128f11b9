/**
 * How a payment workflow is started, in one place: workflow id from the payment id, the task queue,
 * the static summary shown in the Web UI and the search attributes it has from the first moment.
 */
import type { WorkflowStartOptions } from '@temporalio/client';
import { parsePaymentId, paymentWorkflowId, TASK_QUEUE } from '../contract/index.js';
import {
  CAPTURED_AMOUNT,
  INSTRUMENT,
  NEEDS_ATTENTION,
  ORDER_ID,
  PAYMENT_STATE,
  REMAINING_AMOUNT,
} from '../contract/index.js';
import type { PaymentWorkflowInput } from '../contract/index.js';
import { INSTRUMENT_LABEL, staticSummary } from '../domain/view.js';
import type { swedbankPayPayment } from '../workflows/payment.js';
import { inputProblems } from '../domain/input.js';

/** The input of a payment workflow, or the payment id a request names, is invalid; nothing was sent. */
export class InvalidPaymentInputError extends Error {
  override name = 'InvalidPaymentInputError';
  constructor(readonly problems: string[]) {
    super(`invalid payment workflow input: ${problems.join('; ')}`);
  }
}

/**
 * The input as it is sent: a card token given the pre-1.3 way (`{token, type}`) is reduced to its
 * type, so the token itself never enters workflow history (the worker reads it from Swedbank Pay).
 */
export function withoutTokenValue(input: PaymentWorkflowInput): PaymentWorkflowInput {
  // Not an object at all: left for the input check to name, instead of a TypeError here.
  if (typeof input !== 'object' || input === null) return input;
  const token = input.paymentToken as Record<string, unknown> | null | undefined;
  if (typeof token !== 'object' || token === null || !('token' in token)) return input;
  const { token: _value, ...rest } = token;
  return { ...input, paymentToken: rest as NonNullable<PaymentWorkflowInput['paymentToken']> };
}

export function paymentStartOptions(
  given: PaymentWorkflowInput,
  taskQueue: string = TASK_QUEUE,
): WorkflowStartOptions<typeof swedbankPayPayment> {
  const input = withoutTokenValue(given);
  const problems = inputProblems(input);
  if (problems.length > 0) throw new InvalidPaymentInputError(problems);
  const instrument = parsePaymentId(input.paymentId)!.instrument; // checked with the input
  const awaiting = input.awaitAuthorization === true;
  const summary =
    input.authorizedAmount !== undefined && input.currency !== undefined
      ? staticSummary(input.orderId, input.authorizedAmount, input.currency, instrument, awaiting)
      : `order ${input.orderId} · ${INSTRUMENT_LABEL[instrument]}`;
  return {
    workflowId: paymentWorkflowId(input.paymentId),
    taskQueue,
    args: [input],
    // One workflow chain per payment, ever: a second one would restart operation numbers, and so
    // payeeReferences, from the beginning.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: summary,
    typedSearchAttributes: [
      { key: ORDER_ID, value: input.orderId },
      { key: INSTRUMENT, value: INSTRUMENT_LABEL[instrument] },
      // Before the authorization the workflow waits for it; the Web UI shows that from the start.
      { key: PAYMENT_STATE, value: awaiting ? 'AwaitingAuthorization' : 'Authorized' },
      // The workflow's own three as it starts, when known: it then writes nothing until one changes
      // (attributes set at start cost no action on Temporal Cloud; each upsert does).
      ...(awaiting || input.authorizedAmount !== undefined
        ? [
            { key: CAPTURED_AMOUNT, value: 0 },
            { key: REMAINING_AMOUNT, value: awaiting ? 0 : input.authorizedAmount! },
            { key: NEEDS_ATTENTION, value: false },
          ]
        : []),
    ],
  };
}
