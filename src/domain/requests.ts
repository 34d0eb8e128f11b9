/**
 * Shape checks of incoming requests (updates and signals), before the ledger judges amounts against
 * what remains. Pure, and total: any JSON value (or anything else) gets a verdict, never an
 * exception, because these run in update validators and signal handlers, where an exception would
 * fail the workflow task. The rules are Swedbank Pay's request rules (descriptions, invoice lines),
 * the same the client's request schemas enforce before sending, so nothing accepted here can be
 * refused there.
 */
import type {
  CancelRequest,
  CaptureRequest,
  DeleteTokenRequest,
  Instrument,
  ItemDescription,
  OperationKind,
  OrderItem,
  Rejection,
  ReversalRequest,
  VatSummary,
} from '../contract/index.js';
import { checkAmounts, isPositiveMinorUnits } from './ledger.js';
import { checkPaymentOrderLines, orderItemsBoundsProblem } from './order-items.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

const invalid = <T>(message: string): Checked<T> => ({ ok: false, rejection: { code: 'invalid-request', message } });

export const MAX_REFERENCE_LENGTH = 100;
/** Swedbank Pay's limit: 40 characters (counted as UTF-16 units, the stricter reading). */
export const DESCRIPTION_LIMIT = 40;
export const COMMENT_LIMIT = 200;
/** More invoice lines than any order has: keeps a request's size (and history) bounded. */
export const MAX_INVOICE_LINES = 500;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string Swedbank Pay can take as text: no lone surrogate (half of a character). */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/**
 * An OMS reference: well-formed text without control characters, since it goes on into default
 * descriptions sent to Swedbank Pay, log lines and the Web UI's Markdown.
 */
export function isReferenceText(text: string): boolean {
  return isWellFormed(text) && !/\p{Cc}/u.test(text);
}

/** A description Swedbank Pay takes: 1 to 40 characters of well-formed text. */
export function descriptionProblem(description: unknown): string | undefined {
  if (typeof description !== 'string') return 'description must be a string';
  if (description.length === 0 || description.length > DESCRIPTION_LIMIT || !isWellFormed(description)) {
    return `description must be 1 to ${DESCRIPTION_LIMIT} characters of text`;
  }
  return undefined;
}

/** Cuts text to Swedbank Pay's 40 characters at a character boundary (never half a surrogate pair). */
export function truncateDescription(text: string): string {
  let cut = '';
  for (const char of text) {
    if (cut.length + char.length > DESCRIPTION_LIMIT) break;
    cut += char;
  }
  return cut;
}

/** "Capture S-1001" from a reference, cut to Swedbank Pay's 40 characters. */
export function defaultDescription(verb: string, reference: string | undefined): string {
  return truncateDescription(reference ? `${verb} ${reference}` : verb);
}

/** A given description's content; checked after the amounts, which decide the rejection code first. */
function checkDescription(description: string | undefined): Checked<never> | undefined {
  const problem = description === undefined ? undefined : descriptionProblem(description);
  return problem ? invalid<never>(problem) : undefined;
}

function checkCommon(
  raw: unknown,
  requireReference: boolean,
  allowed: readonly string[],
): Checked<{ reference?: string; description?: string }> {
  if (!isRecord(raw)) return invalid('the request must be a JSON object');
  const unknownFields = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (unknownFields.length > 0) return invalid(`unknown fields: ${unknownFields.slice(0, 5).join(', ')}`);
  const { reference, description } = raw;
  if (reference !== undefined || requireReference) {
    if (typeof reference !== 'string' || reference.length === 0 || reference.length > MAX_REFERENCE_LENGTH) {
      return invalid(`reference must be a string of 1 to ${MAX_REFERENCE_LENGTH} characters`);
    }
  }
  if (description !== undefined && typeof description !== 'string') return invalid('description must be a string');
  return {
    ok: true,
    value: {
      ...(reference !== undefined && { reference }),
      ...(description !== undefined && { description }),
    },
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** `[{amount, description}]`: what an invoice capture bills, line by line. */
function checkItemDescriptions(raw: unknown): Checked<ItemDescription[]> {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_INVOICE_LINES) {
    return invalid(`itemDescriptions must be a list of 1 to ${MAX_INVOICE_LINES} lines`);
  }
  const lines: ItemDescription[] = [];
  for (const [i, line] of raw.entries()) {
    if (!isRecord(line) || Object.keys(line).some((k) => k !== 'amount' && k !== 'description')) {
      return invalid(`itemDescriptions.${i} must be {amount, description}`);
    }
    if (!isPositiveMinorUnits(line.amount)) return invalid(`itemDescriptions.${i}.amount must be a positive integer`);
    if (descriptionProblem(line.description)) {
      return invalid(`itemDescriptions.${i}.description must be 1 to ${DESCRIPTION_LIMIT} characters of text`);
    }
    lines.push({ amount: line.amount, description: line.description as string });
  }
  return { ok: true, value: lines };
}

/** `[{amount, vatPercent, vatAmount}]`: the VAT of an invoice capture, per rate. */
function checkVatSummary(raw: unknown): Checked<VatSummary[]> {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_INVOICE_LINES) {
    return invalid(`vatSummary must be a list of 1 to ${MAX_INVOICE_LINES} rates`);
  }
  const rates: VatSummary[] = [];
  for (const [i, rate] of raw.entries()) {
    if (!isRecord(rate) || Object.keys(rate).some((k) => !['amount', 'vatPercent', 'vatAmount'].includes(k))) {
      return invalid(`vatSummary.${i} must be {amount, vatPercent, vatAmount}`);
    }
    const { amount, vatPercent, vatAmount } = rate;
    if (!isPositiveMinorUnits(amount)) return invalid(`vatSummary.${i}.amount must be a positive integer`);
    if (typeof vatPercent !== 'number' || !Number.isInteger(vatPercent) || vatPercent < 0 || vatPercent > 10_000) {
      return invalid(`vatSummary.${i}.vatPercent must be an integer from 0 to 10000 (percent x 100)`);
    }
    if (typeof vatAmount !== 'number' || !Number.isSafeInteger(vatAmount) || vatAmount < 0 || vatAmount > amount) {
      return invalid(`vatSummary.${i}.vatAmount must be an integer from 0 to its amount`);
    }
    rates.push({ amount, vatPercent, vatAmount });
  }
  return { ok: true, value: rates };
}

/**
 * What a capture bills beyond its amounts: a legacy invoice capture's item lines and VAT summary
 * (required, adding up to the capture), a payment order's optional order lines and receipt reference;
 * a legacy card capture has none.
 */
function checkInvoiceLines(
  r: Record<string, unknown>,
  instrument: Instrument,
  amount: number,
  vatAmount: number,
): Checked<Pick<CaptureRequest, 'itemDescriptions' | 'vatSummary' | 'orderItems' | 'receiptReference'>> {
  const orderFields = r.orderItems !== undefined || r.receiptReference !== undefined;
  if (instrument === 'paymentorder') {
    if (r.itemDescriptions !== undefined || r.vatSummary !== undefined) {
      return invalid(
        'itemDescriptions and vatSummary are for legacy invoice captures; a payment order takes orderItems',
      );
    }
    return checkPaymentOrderLines(r, amount, vatAmount);
  }
  if (orderFields) return invalid('orderItems and receiptReference are for payment orders only');
  if (instrument !== 'invoice') {
    if (r.itemDescriptions !== undefined || r.vatSummary !== undefined) {
      return invalid('itemDescriptions and vatSummary are for invoice captures only');
    }
    return { ok: true, value: {} };
  }
  const items = checkItemDescriptions(r.itemDescriptions);
  if (!items.ok) return items;
  const vat = checkVatSummary(r.vatSummary);
  if (!vat.ok) return vat;
  if (sum(items.value.map((i) => i.amount)) !== amount) {
    return invalid('itemDescriptions amounts must add up to amount');
  }
  const vatAmounts = vat.value.map((v) => v.vatAmount);
  if (sum(vat.value.map((v) => v.amount)) !== amount || sum(vatAmounts) !== vatAmount) {
    return invalid('vatSummary amounts and vatAmounts must add up to amount and vatAmount');
  }
  return { ok: true, value: { itemDescriptions: items.value, vatSummary: vat.value } };
}

const CAPTURE_FIELDS = [
  'amount',
  'vatAmount',
  'description',
  'reference',
  'finalFulfilment',
  'itemDescriptions',
  'vatSummary',
  'orderItems',
  'receiptReference',
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
  if (amounts) return { ok: false, rejection: amounts };
  if (r.finalFulfilment !== undefined && typeof r.finalFulfilment !== 'boolean') {
    return invalid('finalFulfilment must be true or false');
  }
  const described = checkDescription(common.value.description);
  if (described) return described;
  const amount = r.amount as number;
  const vatAmount = r.vatAmount as number;
  const lines = checkInvoiceLines(r, instrument, amount, vatAmount);
  if (!lines.ok) return lines;
  const { reference } = common.value;
  return {
    ok: true,
    value: {
      amount,
      vatAmount,
      description: common.value.description ?? defaultDescription('Capture', reference),
      ...(reference !== undefined && { reference }),
      ...(r.finalFulfilment === true && { finalFulfilment: true }),
      ...lines.value,
    },
  };
}

export function checkCancelRequest(
  raw: unknown,
  requireReference: boolean,
): Checked<CancelRequest & { description: string }> {
  const common = checkCommon(raw ?? {}, requireReference, ['description', 'reference']);
  if (!common.ok) return common;
  const described = checkDescription(common.value.description);
  if (described) return described;
  const { reference } = common.value;
  return {
    ok: true,
    value: {
      description: common.value.description ?? 'Cancel remaining amount',
      ...(reference !== undefined && { reference }),
    },
  };
}

const REVERSAL_FIELDS = ['amount', 'vatAmount', 'description', 'reference', 'orderItems', 'receiptReference'];

/** A return; a payment order's may name its order lines and a credit note number. */
export function checkReversalRequest(
  raw: unknown,
  instrument: Instrument,
  requireReference: boolean,
): Checked<ReversalRequest & { description: string }> {
  const common = checkCommon(raw, requireReference, REVERSAL_FIELDS);
  if (!common.ok) return common;
  const r = raw as Record<string, unknown>;
  const amounts = checkAmounts(r.amount, r.vatAmount);
  if (amounts) return { ok: false, rejection: amounts };
  const described = checkDescription(common.value.description);
  if (described) return described;
  const amount = r.amount as number;
  const vatAmount = r.vatAmount as number;
  const lines =
    instrument === 'paymentorder'
      ? checkPaymentOrderLines(r, amount, vatAmount)
      : r.orderItems !== undefined || r.receiptReference !== undefined
        ? invalid<never>('orderItems and receiptReference are for payment orders only')
        : ({ ok: true, value: {} } as const);
  if (!lines.ok) return lines;
  const { reference } = common.value;
  return {
    ok: true,
    value: {
      amount,
      vatAmount,
      description: common.value.description ?? defaultDescription('Reversal', reference),
      ...(reference !== undefined && { reference }),
      ...lines.value,
    },
  };
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
  if (
    comment !== undefined &&
    (typeof comment !== 'string' || comment.length === 0 || comment.length > COMMENT_LIMIT || !isWellFormed(comment))
  ) {
    return invalid(`comment must be a string of 1 to ${COMMENT_LIMIT} characters`);
  }
  const { reference } = common.value;
  return {
    ok: true,
    value: {
      comment: comment ?? 'Payment lifecycle closed',
      ...(reference !== undefined && { reference }),
    },
  };
}

/** An operation's request as the workflow's handlers and the OMS client check its shape. */
type OperationRequest = { reference?: string; orderItems?: OrderItem[] };

function baseCheck(
  kind: OperationKind,
  raw: unknown,
  instrument: Instrument,
  requireReference: boolean,
): Checked<OperationRequest> {
  switch (kind) {
    case 'capture':
      return checkCaptureRequest(raw, instrument, requireReference);
    case 'cancellation':
      return checkCancelRequest(raw, requireReference);
    case 'reversal':
      return checkReversalRequest(raw, instrument, requireReference);
    case 'abort':
      return checkAbortRequest(raw, requireReference);
    case 'delete-token':
      return checkDeleteTokenRequest(raw, requireReference);
  }
}

/** The bounds a request has had since the bounded-requests change: its reference as text, its lines' size and money. */
function boundsProblem(request: OperationRequest): string | undefined {
  if (request.reference !== undefined && !isReferenceText(request.reference)) {
    return `reference must be 1 to ${MAX_REFERENCE_LENGTH} characters of text, without control characters`;
  }
  return request.orderItems ? orderItemsBoundsProblem(request.orderItems) : undefined;
}

/**
 * The shape check of an operation's request, by kind: what the workflow's handlers run on arrival and
 * the OMS client runs before sending. Signals require a reference (`requireReference`). `bounded`
 * adds the bounds of the bounded-requests change; runs from before it replay without them.
 */
export function checkOperationRequest(
  kind: OperationKind,
  raw: unknown,
  instrument: Instrument,
  requireReference: boolean,
  bounded = true,
): Checked<OperationRequest> {
  const checked = baseCheck(kind, raw, instrument, requireReference);
  const problem = checked.ok && bounded ? boundsProblem(checked.value) : undefined;
  return problem ? invalid(problem) : checked;
}
