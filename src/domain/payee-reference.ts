/**
 * payeeReference derivation. Swedbank Pay's idempotency key: unique per payee (merchant) across all
 * payments, safest as [A-Za-z0-9]{1,30}. The workflow fixes it before an operation's activity is
 * scheduled, so every retry of that operation reuses it.
 *
 * Two schemes (the payment policy's `payeeReference`):
 * - alphanumeric (settlement option A, the default): one letter for the kind of operation, the
 *   payment's key, the operation's sequence number in the payment, all base 36:
 *   C 0f3k...(25) 1  -> at most 30 characters. A UUID payment id maps one-to-one onto 25 base-36
 *   characters, so references of different payments can never collide.
 * - digits (settlement option B, where the acquirer gets the reference): exactly 12 digits, the OMS's
 *   prefix padded to 9 digits, then the sequence number in 3: 000004711 002. Unique as long as the
 *   prefixes are (the prefix has no leading zero, so padding never makes two prefixes one).
 * Deterministic and pure: safe in workflow code.
 */
import type { PayeeReferenceScheme } from '../contract/index.js';

const KIND_LETTER = { capture: 'C', cancellation: 'X', reversal: 'R' } as const;
export type PayeeReferenceKind = keyof typeof KIND_LETTER;

const KEY_LENGTH = 25; // ceil(128 / log2(36))
const MAX_SEQUENCE = 36 ** 4 - 1; // 4 base-36 digits
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The last path segment of a payment id (/psp/creditcard/payments/{id}). */
function paymentKeySource(paymentId: string): string {
  const segments = paymentId.split('/').filter(Boolean);
  return segments[segments.length - 1] ?? paymentId;
}

/** 128 bits from any string (FNV-1a, four lanes) for payment ids that are not UUIDs. */
function hash128(text: string): bigint {
  let result = 0n;
  for (let lane = 0; lane < 4; lane++) {
    let h = (0x811c9dc5 ^ lane) >>> 0;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    result = (result << 32n) | BigInt(h);
  }
  return result;
}

/** 25 base-36 characters that identify the payment. */
export function paymentKey(paymentId: string): string {
  const source = paymentKeySource(paymentId);
  const value = UUID.test(source) ? BigInt(`0x${source.replace(/-/g, '')}`) : hash128(paymentId);
  return value.toString(36).padStart(KEY_LENGTH, '0');
}

export const DIGITS_PREFIX = /^[1-9][0-9]{0,8}$/;
const DIGITS_PREFIX_WIDTH = 9;
const DIGITS_SEQUENCE_WIDTH = 3;

/**
 * Operations per payment, at most, whatever the scheme can number (since the bounded-requests change):
 * each keeps its reference for idempotency, and all of them must fit in the state a new run carries.
 */
export const OPERATION_LIMIT = 999;

/** The highest operation number a payment can have under a scheme (beyond it no reference can be formed). */
export function maxSequence(scheme: PayeeReferenceScheme = { format: 'alphanumeric' }): number {
  return scheme.format === 'digits' ? 10 ** DIGITS_SEQUENCE_WIDTH - 1 : MAX_SEQUENCE;
}

/** What is wrong with a scheme from a starter; undefined when it is fine. Total: any JSON value. */
export function payeeReferenceSchemeProblem(scheme: unknown): string | undefined {
  if (typeof scheme !== 'object' || scheme === null || Array.isArray(scheme)) {
    return "policy.payeeReference must be {format: 'alphanumeric'} or {format: 'digits', prefix}";
  }
  const { format, prefix, ...rest } = scheme as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return 'policy.payeeReference has unknown fields';
  if (format === 'alphanumeric') {
    return prefix === undefined ? undefined : 'policy.payeeReference.prefix is for the digits format only';
  }
  if (format !== 'digits') return "policy.payeeReference.format must be 'alphanumeric' or 'digits'";
  if (typeof prefix !== 'string' || !DIGITS_PREFIX.test(prefix)) {
    return 'policy.payeeReference.prefix must be 1 to 9 digits without a leading zero, unique per payment';
  }
  return undefined;
}

/**
 * The payeeReference of operation number `sequence` (1, 2, ...) of a payment. Callers check the
 * sequence against maxSequence first: out of range is a programming error here.
 */
export function payeeReferenceFor(
  paymentId: string,
  kind: PayeeReferenceKind,
  sequence: number,
  scheme: PayeeReferenceScheme = { format: 'alphanumeric' },
): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > maxSequence(scheme)) {
    throw new RangeError(`operation sequence out of range: ${sequence}`);
  }
  if (scheme.format === 'digits') {
    return `${scheme.prefix.padStart(DIGITS_PREFIX_WIDTH, '0')}${String(sequence).padStart(DIGITS_SEQUENCE_WIDTH, '0')}`;
  }
  return `${KIND_LETTER[kind]}${paymentKey(paymentId)}${sequence.toString(36)}`;
}
