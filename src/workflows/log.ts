/**
 * The workflow's own log lines, at the decisions an on-call engineer follows (an operation queued,
 * sent, its outcome unknown, settled; the payment flagged). Through the SDK's workflow logger: the
 * worker's runtime logger receives them with the workflow's ids, and none is emitted while a workflow
 * replays its history, so a line is never written twice. Each carries the payment's and order's ids.
 */
import { log } from '@temporalio/workflow';
import type { PaymentWorkflowInput } from '../contract/index.js';

export type PaymentLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

export function paymentLog(input: PaymentWorkflowInput): PaymentLog {
  const ids = { paymentId: input.paymentId, orderId: input.orderId };
  return (level, message, fields = {}) => log[level](message, { ...ids, ...fields });
}
