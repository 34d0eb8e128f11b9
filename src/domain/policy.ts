/**
 * The payment policy: defaults, bounds, and the deadlines it sets (authorization expiry, the
 * reversal window). Pure: the starter checks a policy before starting, the workflow resolves it.
 */
import type { Instrument, PaymentPolicy } from '../contract/index.js';
import type { Ledger } from './ledger.js';
import { payeeReferenceSchemeProblem } from './payee-reference.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The policy with every default filled in. */
export type ResolvedPolicy = Required<Omit<PaymentPolicy, 'authorizationExpiresAt' | 'continueAsNewAfterEvents'>> &
  Pick<PaymentPolicy, 'authorizationExpiresAt' | 'continueAsNewAfterEvents'>;

export function resolvePolicy(policy: PaymentPolicy = {}, instrument: Instrument): ResolvedPolicy {
  return {
    ...(policy.authorizationExpiresAt !== undefined && { authorizationExpiresAt: policy.authorizationExpiresAt }),
    // Payment orders: the card's 7 days, the safe side for a payment method not known before it is paid.
    authorizationValidityMs: policy.authorizationValidityMs ?? (instrument === 'invoice' ? 30 : 7) * DAY,
    expiryLeadTimeMs: policy.expiryLeadTimeMs ?? DAY,
    onAuthorizationExpiry: policy.onAuthorizationExpiry ?? 'cancel',
    reversalWindowMs: policy.reversalWindowMs ?? 60 * DAY,
    deleteTokenOnClose: policy.deleteTokenOnClose ?? false,
    pollInitialMs: policy.pollInitialMs ?? 10 * SECOND,
    pollMaxMs: policy.pollMaxMs ?? HOUR,
    pendingAttentionAfterMs: policy.pendingAttentionAfterMs ?? DAY,
    // One attempt may GET a list, GET the payment and POST, each within the client's timeout.
    activityTimeoutMs: policy.activityTimeoutMs ?? 120 * SECOND,
    continueAsNewAfterEvents: policy.continueAsNewAfterEvents,
    abandonAfterMs: policy.abandonAfterMs ?? 30 * MINUTE,
    payeeReference: policy.payeeReference ?? { format: 'alphanumeric' },
  };
}

type NumericField = Exclude<
  keyof PaymentPolicy,
  'authorizationExpiresAt' | 'onAuthorizationExpiry' | 'deleteTokenOnClose' | 'payeeReference'
>;

/** The policy's fields that are not numbers. */
const OTHER_FIELDS = ['authorizationExpiresAt', 'onAuthorizationExpiry', 'deleteTokenOnClose', 'payeeReference'];

/**
 * What each number may be. Lower bounds keep a payment from spinning (polling, continuing as new);
 * upper bounds keep every deadline a real date and every timer within what Temporal and Swedbank Pay
 * honour (authorizations are capturable for at most 180 days).
 */
export const POLICY_BOUNDS: Record<NumericField, { min: number; max: number; unit: 'ms' | 'events' }> = {
  authorizationValidityMs: { min: SECOND, max: 180 * DAY, unit: 'ms' },
  expiryLeadTimeMs: { min: SECOND, max: 179 * DAY, unit: 'ms' },
  reversalWindowMs: { min: 1, max: 3 * 365 * DAY, unit: 'ms' },
  pollInitialMs: { min: 100, max: DAY, unit: 'ms' },
  pollMaxMs: { min: 100, max: DAY, unit: 'ms' },
  pendingAttentionAfterMs: { min: SECOND, max: 90 * DAY, unit: 'ms' },
  activityTimeoutMs: { min: SECOND, max: HOUR, unit: 'ms' },
  continueAsNewAfterEvents: { min: 40, max: 40_000, unit: 'events' },
  abandonAfterMs: { min: SECOND, max: 30 * DAY, unit: 'ms' },
};

/** ISO 8601 dates a policy may name: real dates, far from the ends of JavaScript's date range. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(9000, 0, 1);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Type checks every policy field has had since the first release. */
function baselinePolicyProblems(policy: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (policy.deleteTokenOnClose !== undefined && typeof policy.deleteTokenOnClose !== 'boolean') {
    problems.push('policy.deleteTokenOnClose must be true or false');
  }
  for (const field of Object.keys(POLICY_BOUNDS)) {
    const value = policy[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)) {
      problems.push(`policy.${field} must be a positive integer`);
    }
  }
  const expiresAt = policy.authorizationExpiresAt;
  if (expiresAt !== undefined && (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt)))) {
    problems.push('policy.authorizationExpiresAt must be an ISO 8601 date-time');
  }
  if (
    policy.onAuthorizationExpiry !== undefined &&
    !['cancel', 'flag'].includes(policy.onAuthorizationExpiry as string)
  ) {
    problems.push("policy.onAuthorizationExpiry must be 'cancel' or 'flag'");
  }
  return problems;
}

/** Bounds and consistency: values that are well typed but make no sense for a payment. */
function boundProblems(policy: PaymentPolicy, instrument: Instrument | undefined): string[] {
  const problems: string[] = [];
  for (const [field, bound] of Object.entries(POLICY_BOUNDS) as [
    NumericField,
    (typeof POLICY_BOUNDS)[NumericField],
  ][]) {
    const value = policy[field];
    if (value !== undefined && (value < bound.min || value > bound.max)) {
      problems.push(`policy.${field} must be from ${bound.min} to ${bound.max} ${bound.unit}`);
    }
  }
  if (policy.authorizationExpiresAt !== undefined) {
    const at = Date.parse(policy.authorizationExpiresAt);
    if (at < EARLIEST || at > LATEST) problems.push('policy.authorizationExpiresAt must be a date from 2000 to 9000');
  }
  const resolved = resolvePolicy(policy, instrument ?? 'creditcard');
  if (policy.authorizationExpiresAt === undefined && resolved.expiryLeadTimeMs >= resolved.authorizationValidityMs) {
    // Acting before the authorization is even given would cancel it all at once: irreversible.
    problems.push('policy.expiryLeadTimeMs must be shorter than policy.authorizationValidityMs');
  }
  if (resolved.pollMaxMs < resolved.pollInitialMs) {
    problems.push('policy.pollMaxMs must not be shorter than policy.pollInitialMs');
  }
  return problems;
}

/**
 * What is wrong with a policy from a starter; empty when it is fine. `strict` adds the bounds and
 * cross-checks; without it only the checks of the first release apply (for payments that release
 * started, replayed by later workers). `ownFieldsOnly`: see the bounded-requests change.
 */
export function policyProblems(
  policy: unknown,
  instrument: Instrument | undefined,
  strict = true,
  ownFieldsOnly = true,
): string[] {
  if (policy === undefined) return [];
  if (!isRecord(policy)) return strict ? ['policy must be an object (or left out)'] : [];
  const problems = baselinePolicyProblems(policy);
  if (!strict || problems.length > 0) return problems;
  // Own fields only: `constructor` or `toString` are not policy fields, whatever Object.prototype has
  // (runs started before the bounded-requests change replay with `in`, which took them).
  const known = (k: string) => (ownFieldsOnly ? Object.hasOwn(POLICY_BOUNDS, k) : k in POLICY_BOUNDS);
  const unknownFields = Object.keys(policy).filter((k) => !known(k) && !OTHER_FIELDS.includes(k));
  if (unknownFields.length > 0) problems.push(`policy has unknown fields: ${unknownFields.slice(0, 5).join(', ')}`);
  const scheme = policy.payeeReference === undefined ? undefined : payeeReferenceSchemeProblem(policy.payeeReference);
  if (scheme) problems.push(scheme);
  if (problems.length > 0) return problems;
  return boundProblems(policy, instrument);
}

/**
 * A starter's check with its clock: an explicit expiry whose lead time has already begun would have
 * the uncaptured remainder cancelled at once, before any shipment, and a cancellation cannot be
 * undone. Undefined when the policy flags instead, or when there is time left.
 */
export function expiryDueProblem(
  policy: PaymentPolicy | undefined,
  instrument: Instrument,
  now: number,
): string | undefined {
  if (policy?.authorizationExpiresAt === undefined) return undefined;
  const resolved = resolvePolicy(policy, instrument);
  if (resolved.onAuthorizationExpiry !== 'cancel') return undefined;
  const actAt = Date.parse(policy.authorizationExpiresAt) - resolved.expiryLeadTimeMs;
  if (actAt > now) return undefined;
  return (
    'policy.authorizationExpiresAt minus policy.expiryLeadTimeMs has passed: the remainder would be cancelled at once ' +
    "(give a later expiry, a shorter lead time, or onAuthorizationExpiry 'flag')"
  );
}

/** When the authorization expires: as the policy says, or its validity after it was given. */
export function authorizationExpiry(policy: ResolvedPolicy, authorizedAt: string): number {
  return policy.authorizationExpiresAt
    ? Date.parse(policy.authorizationExpiresAt)
    : Date.parse(authorizedAt) + policy.authorizationValidityMs;
}

/** When the uncaptured remainder is acted on (cancelled or flagged): a lead time before expiry. */
export function expiryActionAt(policy: ResolvedPolicy, authorizedAt: string): number {
  return authorizationExpiry(policy, authorizedAt) - policy.expiryLeadTimeMs;
}

/** When returns stop being accepted once nothing remains to capture (at once if nothing can be returned). */
export function reversalWindowEnd(ledger: Ledger | undefined, settledAt: number, policy: ResolvedPolicy): number {
  const reversible = ledger ? ledger.captured - ledger.reversed : 0;
  return ledger?.aborted || reversible <= 0 ? settledAt : settledAt + policy.reversalWindowMs;
}
