/**
 * Swedbank Pay's callback body, as the receiver and the workflow take it: a hint that something
 * changed on a payment, never the outcome. Two documented shapes:
 *   legacy payments   {"payment": {"id": "/psp/creditcard/payments/...", "number": 123},
 *                      "transaction": {"id": "/psp/...", "number": 456}}
 *   payment orders    {"orderReference": "549213",
 *                      "paymentOrder": {"id": "/psp/paymentorders/...", "instrument": "CreditCard", "number": 789}}
 * (v3.0 payment order callbacks carry `payment` and `transaction` beside `paymentOrder`: the payment
 * order is what they are about.) Pure and total, like every check of incoming messages.
 */
import type { Rejection } from '../contract/index.js';

const RESOURCE_PATH = /^\/psp\/[A-Za-z0-9/_.-]+$/;
/** Longer than any real payment or transaction path; a longer id would go on into signals and logs. */
export const MAX_RESOURCE_PATH_LENGTH = 200;
const PAYMENT_ORDER_PATH = /^\/psp\/paymentorders\/[A-Za-z0-9-]{1,64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `number` is an integer in Swedbank Pay's examples and a string in its tables: both are taken. */
function isNumber(value: unknown): value is number | string {
  return (
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === 'string' && /^\d{1,30}$/.test(value))
  );
}

function isReference(value: unknown, bounded: boolean): value is { id: string; number: number | string } {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    (!bounded || value.id.length <= MAX_RESOURCE_PATH_LENGTH) &&
    RESOURCE_PATH.test(value.id) &&
    isNumber(value.number)
  );
}

/** A callback reduced to what the workflow needs: which payment, and for the log, which transaction. */
export type CallbackHint =
  | { payment: { id: string; number: number | string }; transaction: { id: string; number: number | string } }
  | { paymentOrder: { id: string; number?: number | string; instrument?: string }; orderReference?: string };

/** The payment order part of a body, when it is one (v3.1; v3.0 bodies carry it too). */
function paymentOrderHint(body: Record<string, unknown>, bounded: boolean): CallbackHint | undefined {
  const order = body.paymentOrder;
  if (!isRecord(order) || typeof order.id !== 'string' || !PAYMENT_ORDER_PATH.test(order.id)) return undefined;
  // The attempt number is only logged: one this library cannot read is dropped, the wake-up kept
  // (runs from before the bounded-requests change refused the callback, and replay so).
  if (!bounded && order.number !== undefined && !isNumber(order.number)) return undefined;
  const number = isNumber(order.number) ? order.number : undefined;
  const instrument =
    typeof order.instrument === 'string' && /^[A-Za-z0-9 _.-]{1,64}$/.test(order.instrument)
      ? order.instrument
      : undefined;
  const reference =
    typeof body.orderReference === 'string' && body.orderReference.length <= 100 ? body.orderReference : undefined;
  return {
    paymentOrder: {
      id: order.id,
      ...(number !== undefined && { number }),
      ...(instrument !== undefined && { instrument }),
    },
    ...(reference !== undefined && { orderReference: reference }),
  };
}

/**
 * A well-formed callback, with only the fields this library reads (what the receiver forwards to
 * the workflow); undefined for anything else. `bounded`: the rules of the bounded-requests change
 * (workflow runs from before it replay with the earlier ones).
 */
export function callbackHint(body: unknown, bounded = true): CallbackHint | undefined {
  if (!isRecord(body)) return undefined;
  if (body.paymentOrder !== undefined) return paymentOrderHint(body, bounded);
  if (!isReference(body.payment, bounded) || !isReference(body.transaction, bounded)) return undefined;
  return {
    payment: { id: body.payment.id, number: body.payment.number },
    transaction: { id: body.transaction.id, number: body.transaction.number },
  };
}

/**
 * What a callback body that is not JSON still says: the portal's v3.1 example misses a comma after
 * `instrument`, and a sender built from it would send that. Read only when the text names one payment
 * order, under `paymentOrder`, by its exact id; a callback is a wake-up, the workflow reads the truth
 * itself, so nothing else in it is needed.
 */
export function salvagedCallbackBody(text: string): { paymentOrder: { id: string } } | undefined {
  const named = /"paymentOrder"\s*:\s*\{[^{}]*?"id"\s*:\s*"(\/psp\/paymentorders\/[A-Za-z0-9-]{1,64})"/.exec(text)?.[1];
  if (named === undefined) return undefined;
  // Another payment order named anywhere in it makes the text too unclear to act on.
  const ids = new Set([...text.matchAll(/\/psp\/paymentorders\/[A-Za-z0-9-]{1,64}/g)].map((m) => m[0]));
  return ids.size === 1 ? { paymentOrder: { id: named } } : undefined;
}

/** The payment (or payment order) a callback is about, as its id. */
export function hintPaymentId(hint: CallbackHint): string {
  return 'paymentOrder' in hint ? hint.paymentOrder.id : hint.payment.id;
}

/** A well-formed callback body: its payment's id, else undefined. */
export function callbackPaymentId(body: unknown, bounded = true): string | undefined {
  const hint = callbackHint(body, bounded);
  return hint && hintPaymentId(hint);
}

/** Why a callback cannot be taken as a hint for this payment; undefined when it can. */
export function checkCallback(body: unknown, paymentId: string, bounded = true): Rejection | undefined {
  const id = callbackPaymentId(body, bounded);
  if (id === undefined) return { code: 'invalid-request', message: 'malformed callback body' };
  if (id !== paymentId) return { code: 'unknown-payment', message: `callback for ${id.slice(0, 100)}` };
  return undefined;
}
