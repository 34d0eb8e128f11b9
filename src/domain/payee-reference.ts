/**
 * payeeReference derivation. Swedbank Pay's idempotency key: unique per payee (merchant) across all
 * payments, safest as [A-Za-z0-9]{1,30}. The workflow fixes it before an operation's activity is
 * scheduled, so every retry of that operation reuses it.
 *
 * Form: one letter for the kind of operation, the payment's key, the operation's sequence number in
 * the payment, all base 36:  C 0f3k...(25) 1  -> at most 30 characters.
 * A UUID payment id maps one-to-one onto 25 base-36 characters, so references of different payments
 * can never collide. Deterministic and pure: safe in workflow code.
 */

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

/** The payeeReference of operation number `sequence` (1, 2, ...) of a payment. */
export function payeeReferenceFor(paymentId: string, kind: PayeeReferenceKind, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > MAX_SEQUENCE) {
    throw new RangeError(`operation sequence out of range: ${sequence}`);
  }
  return `${KIND_LETTER[kind]}${paymentKey(paymentId)}${sequence.toString(36)}`;
}
