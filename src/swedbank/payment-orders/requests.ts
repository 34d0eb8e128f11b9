/**
 * Request bodies of Payment Order v3.1's after-payment operations, field for field as the portal's
 * examples write them, validated before anything is sent: a request Swedbank Pay would refuse never
 * reaches it (refused captures and reversals count toward its five-failure lock).
 */
import type { z } from 'zod';
import type { OrderItem } from '../../contract/index.js';
import { InvalidRequestError, type ValidationIssue } from '../errors.js';
import { AbortRequest, CancelRequest, CaptureRequest, DeleteTokenRequest, ReversalRequest } from './schemas.js';

/** A capture or a reversal: amounts, optionally the order lines they cover and a receipt number. */
export interface MoneyTransactionInput {
  description: string;
  amount: number;
  vatAmount: number;
  payeeReference: string;
  receiptReference?: string;
  orderItems?: OrderItem[];
}

/** A cancellation releases whatever remains authorized: no amount. */
export interface CancelInput {
  description: string;
  payeeReference: string;
}

function validated<T>(operation: string, schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return body as T; // the body as built, in the portal's field order
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new InvalidRequestError(operation, issues);
}

function moneyTransaction(input: MoneyTransactionInput) {
  return {
    transaction: {
      description: input.description,
      amount: input.amount,
      vatAmount: input.vatAmount,
      payeeReference: input.payeeReference,
      ...(input.receiptReference !== undefined && { receiptReference: input.receiptReference }),
      ...(input.orderItems !== undefined && { orderItems: input.orderItems }),
    },
  };
}

export function buildCaptureRequest(input: MoneyTransactionInput) {
  return validated('capture', CaptureRequest, moneyTransaction(input));
}

export function buildReversalRequest(input: MoneyTransactionInput) {
  return validated('reversal', ReversalRequest, moneyTransaction(input));
}

export function buildCancelRequest(input: CancelInput) {
  return validated('cancellation', CancelRequest, {
    transaction: { description: input.description, payeeReference: input.payeeReference },
  });
}

export function buildAbortRequest() {
  return validated('abort', AbortRequest, { paymentorder: { operation: 'Abort', abortReason: 'CancelledByConsumer' } });
}

export function buildDeleteTokenRequest(comment: string) {
  return validated('delete-token', DeleteTokenRequest, { state: 'Deleted', comment });
}
