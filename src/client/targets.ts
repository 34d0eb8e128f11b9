/**
 * Which payment a request is for, checked before anything is sent: a payment id that can never name
 * a workflow, or an input the workflow would refuse, is told to the caller at once as
 * InvalidPaymentInputError (never a TypeError, never a query that "could not be read").
 */
import type { WorkflowStartOptions } from '@temporalio/client';
import {
  parsePaymentId,
  PAYMENT_ID_FORMS,
  paymentWorkflowId,
  type Instrument,
  type PaymentWorkflowInput,
} from '../contract/index.js';
import { PAYMENT_ID_PROBLEM } from '../domain/input.js';
import type { swedbankPayPayment } from '../workflows/payment.js';
import { InvalidPaymentInputError, paymentStartOptions } from './start-options.js';

/** A payment the client can address: its id, its API, and (given as an input) how to start it. */
export interface CheckedTarget {
  paymentId: string;
  instrument: Instrument;
  startOptions?: WorkflowStartOptions<typeof swedbankPayPayment>;
}

/** The payment's API; InvalidPaymentInputError for anything that is not a payment id. */
function instrumentOf(paymentId: unknown): Instrument {
  const parsed = parsePaymentId(paymentId);
  if (!parsed) throw new InvalidPaymentInputError([PAYMENT_ID_PROBLEM]);
  return parsed.instrument;
}

/** The payment's workflow id; InvalidPaymentInputError for anything that is not a payment id. */
export function workflowIdOf(paymentId: unknown): string {
  instrumentOf(paymentId);
  return paymentWorkflowId(paymentId as string);
}

/** A payment id, or a payment's whole input (checked as a start would check it). */
export function checkTarget(target: unknown, taskQueue: string): CheckedTarget {
  if (typeof target === 'string') return { paymentId: target, instrument: instrumentOf(target) };
  if (typeof target !== 'object' || target === null) {
    throw new InvalidPaymentInputError([`give the payment's id (${PAYMENT_ID_FORMS}) or its input object`]);
  }
  const startOptions = paymentStartOptions(target as PaymentWorkflowInput, taskQueue);
  const { paymentId } = target as PaymentWorkflowInput; // checked with the input
  return { paymentId, instrument: parsePaymentId(paymentId)!.instrument, startOptions };
}
