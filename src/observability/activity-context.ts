/**
 * The payment's ids on every line an activity logs, the SDK's own included ("Activity failed"): an
 * activity interceptor reads them from the activity's input and its workflow's id, so an on-call
 * engineer finds every line of a payment (paymentId), of an order (orderId) and of one transaction
 * (payeeReference) with one filter.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import { paymentIdOfWorkflowId } from '../contract/index.js';
import { tokenLast4 } from './logger.js';

const OPERATION_OF_ACTIVITY: Record<string, string> = {
  abortPayment: 'abort',
  deletePaymentToken: 'delete-token',
};

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 200 ? value : undefined;
}

/**
 * paymentId, orderId, operation, payeeReference and transactionId, where the activity knows them; a
 * card token's last four characters (never more).
 */
export function paymentFieldsOf(activityType: string, args: readonly unknown[], workflowId?: string) {
  const fields: Record<string, string> = {};
  const set = (key: string, value: unknown) => {
    const shown = text(value);
    if (shown !== undefined) fields[key] = shown;
  };
  set('paymentId', workflowId === undefined ? undefined : paymentIdOfWorkflowId(workflowId));
  const [first, second] = args;
  const input = record(first);
  if (activityType === 'createTransaction' && input) {
    set('paymentId', input.paymentId);
    set('orderId', input.orderId);
    set('operation', input.kind);
    set('payeeReference', input.payeeReference);
  } else if (activityType === 'getTransaction') {
    set('transactionId', first);
    const waiting = record(second);
    set('orderId', waiting?.orderId);
    set('operation', waiting?.operation);
    set('payeeReference', waiting?.payeeReference);
  } else if (activityType === 'deletePaymentToken' && typeof input?.paymentToken === 'string') {
    fields.tokenLast4 = tokenLast4(input.paymentToken);
  } else if (typeof first === 'string' && first.startsWith('/psp/')) {
    set('paymentId', first);
  }
  set('operation', fields.operation ?? OPERATION_OF_ACTIVITY[activityType]);
  return fields;
}

/** An `interceptors.activity` factory for `Worker.create`. */
export function paymentLogContext(ctx: Context): ActivityInterceptors {
  let fields: Record<string, string> = {};
  return {
    inbound: {
      execute(input, next) {
        fields = paymentFieldsOf(ctx.info.activityType, input.args, ctx.info.workflowExecution?.workflowId);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next({ ...attributes, ...fields }),
    },
  };
}
