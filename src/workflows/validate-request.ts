/**
 * Shape checks of incoming requests (updates and signals), before the ledger judges amounts against
 * what remains. Pure: the same checks run in update validators (so an invalid update never enters
 * history) and in signal handlers (so an invalid signal is recorded as rejected).
 * Swedbank Pay's own format rules (description length, invoice lines) come from the request builders
 * the activities use, so nothing accepted here can be refused there.
 */
import { checkAmounts, type Rejection, type RejectionCode } from '../domain/ledger.js';
import { InvalidRequestError } from '../swedbank/errors.js';
import { buildCaptureRequest, buildReversalRequest, buildCancellationRequest } from '../swedbank/requests.js';
import type { Instrument } from '../swedbank/schemas.js';
import type { CancelRequest, CaptureRequest, DeleteTokenRequest, ReversalRequest } from './messages.js';

export type RequestRejectionCode =
  RejectionCode | 'invalid-request' | 'no-payment-token' | 'payment-closed' | 'unknown-payment' | 'reference-reused';

export interface RequestRejection {
  code: RequestRejectionCode;
  message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; rejection: RequestRejection };

const invalid = <T>(message: string): Checked<T> => ({ ok: false, rejection: { code: 'invalid-request', message } });
const fromLedger = <T>(rejection: Rejection): Checked<T> => ({ ok: false, rejection });

/** A placeholder that satisfies the payeeReference format while the request format is checked. */
const PLACEHOLDER_REFERENCE = 'CHECK';
const MAX_REFERENCE_LENGTH = 100;
const DESCRIPTION_LIMIT = 40;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkCommon(
  raw: unknown,
  requireReference: boolean,
  allowed: readonly string[],
): Checked<{ reference?: string; description?: string }> {
  if (!isRecord(raw)) return invalid('the request must be a JSON object');
  const unknownFields = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (unknownFields.length > 0) return invalid(`unknown fields: ${unknownFields.join(', ')}`);
  const { reference, description } = raw;
  if (reference !== undefined || requireReference) {
    if (typeof reference !== 'string' || reference.length === 0 || reference.length > MAX_REFERENCE_LENGTH) {
      return invalid(`reference must be a string of 1 to ${MAX_REFERENCE_LENGTH} characters`);
    }
  }
  if (description !== undefined && typeof description !== 'string') return invalid('description must be a string');
  return {
    ok: true,
    value: { reference, description },
  };
}

/** "Capture S-1001" from a reference, cut to Swedbank Pay's 40 characters. */
export function defaultDescription(verb: string, reference: string | undefined): string {
  return (reference ? `${verb} ${reference}` : verb).slice(0, DESCRIPTION_LIMIT);
}

function formatRejection<T>(build: () => unknown): Checked<T> | undefined {
  try {
    build();
    return undefined;
  } catch (err) {
    if (err instanceof InvalidRequestError) return invalid(err.message);
    throw err;
  }
}

const CAPTURE_FIELDS = [
  'amount',
  'vatAmount',
  'description',
  'reference',
  'finalFulfilment',
  'itemDescriptions',
  'vatSummary',
] as const;

export function checkCaptureRequest(
  raw: unknown,
  instrument: Instrument,
  requireReference: boolean,
): Checked<CaptureRequest & { description: string }> {
  const common = checkCommon(raw, requireReference, CAPTURE_FIELDS);
  if (!common.ok) return common;
  const r = raw as Record<string, unknown>;
  const amounts = checkAmounts(r.amount, r.vatAmount);
  if (amounts) return fromLedger(amounts);
  if (r.finalFulfilment !== undefined && typeof r.finalFulfilment !== 'boolean') {
    return invalid('finalFulfilment must be true or false');
  }
  const request = {
    amount: r.amount as number,
    vatAmount: r.vatAmount as number,
    description: common.value.description ?? defaultDescription('Capture', common.value.reference),
    ...(common.value.reference !== undefined && { reference: common.value.reference }),
    ...(r.finalFulfilment === true && { finalFulfilment: true }),
    ...(r.itemDescriptions !== undefined && {
      itemDescriptions: r.itemDescriptions as CaptureRequest['itemDescriptions'],
    }),
    ...(r.vatSummary !== undefined && { vatSummary: r.vatSummary as CaptureRequest['vatSummary'] }),
  };
  const format = formatRejection<CaptureRequest & { description: string }>(() =>
    buildCaptureRequest(instrument, { ...request, payeeReference: PLACEHOLDER_REFERENCE }),
  );
  return format ?? { ok: true, value: request };
}

export function checkCancelRequest(
  raw: unknown,
  requireReference: boolean,
): Checked<CancelRequest & { description: string }> {
  const common = checkCommon(raw ?? {}, requireReference, ['description', 'reference']);
  if (!common.ok) return common;
  const request = {
    description: common.value.description ?? 'Cancel remaining amount',
    ...(common.value.reference !== undefined && { reference: common.value.reference }),
  };
  const format = formatRejection<CancelRequest & { description: string }>(() =>
    buildCancellationRequest('creditcard', { description: request.description, payeeReference: PLACEHOLDER_REFERENCE }),
  );
  return format ?? { ok: true, value: request };
}

export function checkReversalRequest(
  raw: unknown,
  requireReference: boolean,
): Checked<ReversalRequest & { description: string }> {
  const common = checkCommon(raw, requireReference, ['amount', 'vatAmount', 'description', 'reference']);
  if (!common.ok) return common;
  const r = raw as Record<string, unknown>;
  const amounts = checkAmounts(r.amount, r.vatAmount);
  if (amounts) return fromLedger(amounts);
  const request = {
    amount: r.amount as number,
    vatAmount: r.vatAmount as number,
    description: common.value.description ?? defaultDescription('Reversal', common.value.reference),
    ...(common.value.reference !== undefined && { reference: common.value.reference }),
  };
  const format = formatRejection<ReversalRequest & { description: string }>(() =>
    buildReversalRequest('creditcard', { ...request, payeeReference: PLACEHOLDER_REFERENCE }),
  );
  return format ?? { ok: true, value: request };
}

export function checkAbortRequest(raw: unknown, requireReference: boolean): Checked<{ reference?: string }> {
  const common = checkCommon(raw ?? {}, requireReference, ['reference']);
  if (!common.ok) return common;
  return { ok: true, value: common.value.reference !== undefined ? { reference: common.value.reference } : {} };
}

export function checkDeleteTokenRequest(
  raw: unknown,
  requireReference: boolean,
): Checked<DeleteTokenRequest & { comment: string }> {
  const common = checkCommon(raw ?? {}, requireReference, ['comment', 'reference']);
  if (!common.ok) return common;
  const comment = (raw as Record<string, unknown> | undefined)?.comment;
  if (comment !== undefined && (typeof comment !== 'string' || comment.length === 0 || comment.length > 200)) {
    return invalid('comment must be a string of 1 to 200 characters');
  }
  return {
    ok: true,
    value: {
      comment: comment ?? 'Payment lifecycle closed',
      ...(common.value.reference !== undefined && { reference: common.value.reference }),
    },
  };
}
