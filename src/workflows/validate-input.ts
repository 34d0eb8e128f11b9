/**
 * Checks a payment workflow's input and policy. Pure: the starter runs it before starting (so the
 * OMS gets the error at once) and the workflow runs it first thing (so a bad input fails fast and
 * clearly instead of retrying a workflow task forever).
 */
import { isPositiveMinorUnits } from '../domain/ledger.js';
import { parsePaymentId } from '../swedbank/resources.js';
import type { PaymentWorkflowInput } from './input.js';

const DURATION_FIELDS = [
  'authorizationValidityMs',
  'expiryLeadTimeMs',
  'reversalWindowMs',
  'pollInitialMs',
  'pollMaxMs',
  'pendingAttentionAfterMs',
  'activityTimeoutMs',
  'continueAsNewAfterEvents',
  'abandonAfterMs',
] as const;

/** What is wrong with the input; empty when it is fine. */
export function inputProblems(input: PaymentWorkflowInput): string[] {
  const problems: string[] = [];
  if (!parsePaymentId(input?.paymentId)) {
    problems.push('paymentId must be /psp/creditcard/payments/{id} or /psp/invoice/payments/{id}');
  }
  if (typeof input?.orderId !== 'string' || input.orderId.length === 0 || input.orderId.length > 100) {
    problems.push('orderId must be a string of 1 to 100 characters');
  }
  if ((input?.currency === undefined) !== (input?.authorizedAmount === undefined)) {
    problems.push('give currency and authorizedAmount together, or neither (then they are read from Swedbank Pay)');
  }
  if (input?.currency !== undefined && !/^[A-Z]{3}$/.test(input.currency)) {
    problems.push('currency must be an ISO 4217 code such as SEK');
  }
  if (input?.authorizedAmount !== undefined && !isPositiveMinorUnits(input.authorizedAmount)) {
    problems.push('authorizedAmount must be a positive integer in minor units');
  }
  if (input?.awaitAuthorization !== undefined && typeof input.awaitAuthorization !== 'boolean') {
    problems.push('awaitAuthorization must be true or false');
  }
  const token = input?.paymentToken as unknown;
  if (token !== undefined && (typeof token !== 'object' || token === null)) {
    // JSON clients in other languages may send null for an absent field: say so, don't crash.
    problems.push('paymentToken must be an object {token, type} (or left out)');
  } else if (token !== undefined) {
    const given = token as { token?: unknown; type?: unknown };
    if (typeof given.token !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(given.token)) {
      problems.push('paymentToken.token must be 1 to 64 letters, digits or -');
    }
    if (given.type !== 'PaymentToken' && given.type !== 'RecurrenceToken') {
      problems.push('paymentToken.type must be PaymentToken or RecurrenceToken');
    }
  }
  if (input?.policy?.deleteTokenOnClose !== undefined && typeof input.policy.deleteTokenOnClose !== 'boolean') {
    problems.push('policy.deleteTokenOnClose must be true or false');
  }
  const policy = input?.policy ?? {};
  for (const field of DURATION_FIELDS) {
    const value = policy[field];
    if (value !== undefined && !isPositiveMinorUnits(value))
      problems.push(`policy.${field} must be a positive integer`);
  }
  if (policy.authorizationExpiresAt !== undefined && Number.isNaN(Date.parse(policy.authorizationExpiresAt))) {
    problems.push('policy.authorizationExpiresAt must be an ISO 8601 date-time');
  }
  if (policy.onAuthorizationExpiry !== undefined && !['cancel', 'flag'].includes(policy.onAuthorizationExpiry)) {
    problems.push("policy.onAuthorizationExpiry must be 'cancel' or 'flag'");
  }
  return problems;
}
