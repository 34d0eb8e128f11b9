/**
 * Request bodies for Swedbank Pay's after-payment operations, field for field as the seed examples
 * write them, validated before anything is sent. A violation is an `InvalidRequestError`: a request
 * Swedbank Pay would refuse must never reach it (refused captures and reversals count toward the
 * five-failure lock).
 */
import type { z } from 'zod';
import { InvalidRequestError, type ValidationIssue } from './errors.js';
import {
  AbortRequest,
  CardCancellationRequest,
  CardCaptureRequest,
  CardReversalRequest,
  DeleteTokenRequest,
  InvoiceCancellationRequest,
  InvoiceCaptureRequest,
  InvoiceReversalRequest,
  type Instrument,
  type TokenType,
} from './schemas.js';

export interface ItemDescriptionInput {
  amount: number;
  description: string;
}

export interface VatSummaryInput {
  amount: number;
  /** Percent x 100: 2500 = 25 %. */
  vatPercent: number;
  vatAmount: number;
}

/** A capture. Invoice captures also need itemDescriptions and vatSummary; card captures must not have them. */
export interface CaptureInput {
  amount: number;
  vatAmount: number;
  description: string;
  payeeReference: string;
  itemDescriptions?: ItemDescriptionInput[];
  vatSummary?: VatSummaryInput[];
}

/** A cancellation: always of exactly the remaining authorized amount, so no amount. */
export interface CancellationInput {
  description: string;
  payeeReference: string;
}

export interface ReversalInput {
  amount: number;
  vatAmount: number;
  description: string;
  payeeReference: string;
}

export interface DeleteTokenInput {
  paymentToken: string;
  tokenType: TokenType;
  /** Why the token is deleted; kept by Swedbank Pay. */
  comment: string;
}

/** Invoice transactions name the invoice activity. */
const INVOICE_ACTIVITY = 'FinancingConsumer';

function validated<T>(operation: string, schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return body as T; // the body as built, so its field order is the seed's
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new InvalidRequestError(operation, issues);
}

export function buildCaptureRequest(instrument: Instrument, input: CaptureInput) {
  if (instrument === 'creditcard') {
    if (input.itemDescriptions !== undefined || input.vatSummary !== undefined) {
      throw new InvalidRequestError('capture', [
        { path: 'transaction', message: 'itemDescriptions and vatSummary are for invoice captures only' },
      ]);
    }
    return validated('capture', CardCaptureRequest, {
      transaction: {
        amount: input.amount,
        vatAmount: input.vatAmount,
        description: input.description,
        payeeReference: input.payeeReference,
      },
    });
  }
  return validated('capture', InvoiceCaptureRequest, {
    transaction: {
      activity: INVOICE_ACTIVITY,
      amount: input.amount,
      vatAmount: input.vatAmount,
      description: input.description,
      payeeReference: input.payeeReference,
      itemDescriptions: input.itemDescriptions?.map((i) => ({ amount: i.amount, description: i.description })),
      vatSummary: input.vatSummary?.map((v) => ({
        amount: v.amount,
        vatPercent: v.vatPercent,
        vatAmount: v.vatAmount,
      })),
    },
  });
}

export function buildCancellationRequest(instrument: Instrument, input: CancellationInput) {
  if (instrument === 'creditcard') {
    return validated('cancellation', CardCancellationRequest, {
      transaction: { description: input.description, payeeReference: input.payeeReference },
    });
  }
  return validated('cancellation', InvoiceCancellationRequest, {
    transaction: { activity: INVOICE_ACTIVITY, description: input.description, payeeReference: input.payeeReference },
  });
}

export function buildReversalRequest(instrument: Instrument, input: ReversalInput) {
  const transaction = {
    amount: input.amount,
    vatAmount: input.vatAmount,
    description: input.description,
    payeeReference: input.payeeReference,
  };
  if (instrument === 'creditcard') return validated('reversal', CardReversalRequest, { transaction });
  return validated('reversal', InvoiceReversalRequest, { transaction: { activity: INVOICE_ACTIVITY, ...transaction } });
}

export function buildAbortRequest() {
  return validated('abort', AbortRequest, { payment: { operation: 'Abort', abortReason: 'CancelledByConsumer' } });
}

export function buildDeleteTokenRequest(input: DeleteTokenInput) {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(input.paymentToken)) {
    throw new InvalidRequestError('delete-token', [{ path: 'paymentToken', message: 'not a payment token' }]);
  }
  return validated('delete-token', DeleteTokenRequest, {
    state: 'Deleted',
    tokenType: input.tokenType,
    comment: input.comment,
  });
}
