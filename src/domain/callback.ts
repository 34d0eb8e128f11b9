/**
 * Swedbank Pay's callback body, as the workflow receives it: a hint that something changed on a
 * payment, never the outcome. Pure and total, like every check of incoming messages.
 *   {"payment": {"id": "/psp/...", "number": 123}, "transaction": {"id": "/psp/...", "number": 456}}
 */
import type { Rejection } from '../contract/index.js';

const RESOURCE_PATH = /^\/psp\/[A-Za-z0-9/_.-]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `number` is an integer in Swedbank Pay's examples and a string in its tables: both are taken. */
function isNumber(value: unknown): boolean {
  return (
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === 'string' && /^\d{1,30}$/.test(value))
  );
}

function isReference(value: unknown): value is { id: string; number: unknown } {
  return isRecord(value) && typeof value.id === 'string' && RESOURCE_PATH.test(value.id) && isNumber(value.number);
}

/** A well-formed callback body: its payment's id, else undefined. */
export function callbackPaymentId(body: unknown): string | undefined {
  if (!isRecord(body) || !isReference(body.payment) || !isReference(body.transaction)) return undefined;
  return body.payment.id;
}

/** Why a callback cannot be taken as a hint for this payment; undefined when it can. */
export function checkCallback(body: unknown, paymentId: string): Rejection | undefined {
  const id = callbackPaymentId(body);
  if (id === undefined) return { code: 'invalid-request', message: 'malformed callback body' };
  if (id !== paymentId) return { code: 'unknown-payment', message: `callback for ${id.slice(0, 100)}` };
  return undefined;
}
