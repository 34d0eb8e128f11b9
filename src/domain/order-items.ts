/**
 * Payment orders' order lines (`orderItems` of a Payment Order v3.1 capture or reversal) and receipt
 * references: checked here, in the workflow's validators, with the rules Swedbank Pay documents, so
 * a request that would be refused there is refused on arrival. Pure and total, like ./requests.ts.
 */
import type { OrderItem, Rejection } from '../contract/index.js';

type Checked<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

const invalid = <T>(message: string): Checked<T> => ({ ok: false, rejection: { code: 'invalid-request', message } });

/** More lines than any order has: keeps a request's size (and history) bounded. */
export const MAX_ORDER_ITEMS = 500;
const TEXT_LIMIT = 256;
const URL_LIMIT = 1024;
/**
 * One request's lines as JSON (UTF-8 bytes), at most: hundreds of ordinary lines fit, while the
 * request and its place in history stay far below Temporal's 2 MB per payload.
 */
export const ORDER_ITEMS_JSON_LIMIT = 128 * 1024;
/** A line's money, at most (in minor units): 500 lines of it still add up exactly in a JavaScript number. */
const LINE_AMOUNT_LIMIT = 10 ** 13;

export const ORDER_ITEM_TYPES: readonly OrderItem['type'][] = [
  'PRODUCT',
  'SERVICE',
  'SHIPPING_FEE',
  'PAYMENT_FEE',
  'DISCOUNT',
  'VALUE_CODE',
  'OTHER',
];

/** Swedbank Pay's receiptReference: like a payeeReference, up to 30 letters and digits. */
export const RECEIPT_REFERENCE = /^[A-Za-z0-9]{1,30}$/;

const FIELDS = new Set([
  'reference',
  'name',
  'type',
  'class',
  'itemUrl',
  'imageUrl',
  'description',
  'discountDescription',
  'quantity',
  'quantityUnit',
  'unitPrice',
  'discountPrice',
  'vatPercent',
  'amount',
  'vatAmount',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown, limit: number): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= limit &&
    !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)
  );
}

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** A quantity: positive, at most four decimals. */
function isQuantity(value: unknown): value is number {
  return (
    typeof value === 'number' && value > 0 && value <= 1e9 && Math.abs(value * 1e4 - Math.round(value * 1e4)) < 1e-6
  );
}

/** The first problem of one line, or undefined. Discounts are the only lines whose amounts may be negative. */
function itemProblem(item: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(item).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) return `unknown field ${unknown.slice(0, 40)}`;
  if (!isText(item.reference, 50)) return 'reference must be 1 to 50 characters';
  if (!isText(item.name, TEXT_LIMIT)) return `name must be 1 to ${TEXT_LIMIT} characters`;
  if (!ORDER_ITEM_TYPES.includes(item.type as OrderItem['type']))
    return `type must be one of ${ORDER_ITEM_TYPES.join(', ')}`;
  if (typeof item.class !== 'string' || !/^[\w-]{1,50}$/.test(item.class)) {
    return 'class must be 1 to 50 letters, digits, _ or -';
  }
  for (const field of ['itemUrl', 'imageUrl'] as const) {
    if (item[field] !== undefined && !isText(item[field], URL_LIMIT))
      return `${field} must be a URL of up to ${URL_LIMIT} characters`;
  }
  for (const field of ['description', 'discountDescription'] as const) {
    if (item[field] !== undefined && !isText(item[field], TEXT_LIMIT))
      return `${field} must be 1 to ${TEXT_LIMIT} characters`;
  }
  if (!isQuantity(item.quantity)) return 'quantity must be a positive number with at most 4 decimals';
  if (!isText(item.quantityUnit, 50)) return 'quantityUnit must be 1 to 50 characters';
  if (!isInteger(item.unitPrice)) return 'unitPrice must be an integer in minor units';
  if (item.discountPrice !== undefined && !isInteger(item.discountPrice)) return 'discountPrice must be an integer';
  if (!isInteger(item.vatPercent) || item.vatPercent < 0 || item.vatPercent > 10_000) {
    return 'vatPercent must be an integer from 0 to 10000 (percent x 100)';
  }
  const signed = item.type === 'DISCOUNT' ? -1 : 1;
  if (!isInteger(item.amount) || item.amount * signed < 0) {
    return item.type === 'DISCOUNT' ? 'amount must be an integer' : 'amount must be an integer of 0 or more';
  }
  if (
    !isInteger(item.vatAmount) ||
    Math.abs(item.vatAmount) > Math.abs(item.amount) ||
    item.vatAmount * item.amount < 0
  ) {
    return 'vatAmount must be an integer between 0 and the amount';
  }
  return undefined;
}

/** UTF-8 bytes of a text (what it weighs in a payload), without the Buffer the workflow sandbox lacks. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** UTF-8 bytes as JSON; anything JSON cannot write (a cycle) counts as too long. Total, like every check here. */
export function jsonBytes(value: unknown): number {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : utf8Length(text);
  } catch {
    return Infinity;
  }
}

/** The order lines of a capture or reversal: valid lines that add up to its amount and VAT amount. */
export function checkOrderItems(raw: unknown, amount: number, vatAmount: number): Checked<OrderItem[]> {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_ORDER_ITEMS) {
    return invalid(`orderItems must be a list of 1 to ${MAX_ORDER_ITEMS} lines`);
  }
  const items: OrderItem[] = [];
  for (const [i, item] of raw.entries()) {
    if (!isRecord(item)) return invalid(`orderItems.${i} must be an object`);
    const problem = itemProblem(item);
    if (problem) return invalid(`orderItems.${i}.${problem}`);
    items.push(item as unknown as OrderItem);
  }
  const total = items.reduce((sum, item) => sum + item.amount, 0);
  const vat = items.reduce((sum, item) => sum + item.vatAmount, 0);
  if (total !== amount || vat !== vatAmount) {
    return invalid(`orderItems amounts and vatAmounts must add up to amount (${amount}) and vatAmount (${vatAmount})`);
  }
  return { ok: true, value: items };
}

/**
 * The bounds lines have had since the bounded-requests change (checked after the lines' own rules):
 * their size as JSON, each money field (so that 500 lines add up exactly), and no negative price on
 * anything but a discount.
 */
export function orderItemsBoundsProblem(items: readonly OrderItem[]): string | undefined {
  if (jsonBytes(items) > ORDER_ITEMS_JSON_LIMIT) {
    return `orderItems must be at most ${ORDER_ITEMS_JSON_LIMIT} bytes as JSON (UTF-8)`;
  }
  for (const [i, item] of items.entries()) {
    const fields = ['unitPrice', 'discountPrice', 'amount', 'vatAmount'] as const;
    const over = fields.find((f) => Math.abs(item[f] ?? 0) > LINE_AMOUNT_LIMIT);
    if (over) return `orderItems.${i}.${over} must be at most ${LINE_AMOUNT_LIMIT} minor units either way`;
    if (item.type !== 'DISCOUNT' && item.unitPrice < 0) {
      return `orderItems.${i}.unitPrice must not be negative (only a DISCOUNT line's is)`;
    }
  }
  return undefined;
}

/** What a payment order's capture or reversal may add: order lines and a receipt reference. */
export function checkPaymentOrderLines(
  r: Record<string, unknown>,
  amount: number,
  vatAmount: number,
): Checked<{ orderItems?: OrderItem[]; receiptReference?: string }> {
  let orderItems: OrderItem[] | undefined;
  if (r.orderItems !== undefined) {
    const items = checkOrderItems(r.orderItems, amount, vatAmount);
    if (!items.ok) return items;
    orderItems = items.value;
  }
  const { receiptReference } = r;
  if (
    receiptReference !== undefined &&
    (typeof receiptReference !== 'string' || !RECEIPT_REFERENCE.test(receiptReference))
  ) {
    return invalid('receiptReference must be 1 to 30 letters and digits');
  }
  return {
    ok: true,
    value: {
      ...(orderItems && { orderItems }),
      ...(typeof receiptReference === 'string' && { receiptReference }),
    },
  };
}
