/**
 * Checks a payment workflow's input and policy. Pure and total (any JSON value gets a list of
 * problems, never an exception): the starter runs it before starting, so the OMS gets the error at
 * once, and the workflow runs it first thing, so a bad input started by another client fails fast
 * and clearly (`invalid-input`) instead of failing workflow tasks.
 */
import { parsePaymentId, PAYMENT_ID_FORMS, paymentWorkflowId } from '../contract/index.js';
import { isPositiveMinorUnits } from './ledger.js';
import { policyProblems } from './policy.js';
import { isReferenceText } from './requests.js';

const INPUT_FIELDS = [
  'paymentId',
  'orderId',
  'currency',
  'authorizedAmount',
  'awaitAuthorization',
  'paymentToken',
  'policy',
  'carried',
];

export const MAX_ORDER_ID_LENGTH = 100;
/** Every form a payment id takes, payment orders included. */
export const PAYMENT_ID_PROBLEM = `paymentId must be ${PAYMENT_ID_FORMS}`;

export interface InputCheckContext {
  /** The checks of the first release only: for runs that release started, replayed by later workers. */
  baseline?: boolean;
  /** The id the workflow runs under: it must be the payment's (one chain per payment). */
  workflowId?: string;
  /** This run continues an earlier one of the same workflow, so `carried` is its own state. */
  continued?: boolean;
  /**
   * A card token's value is refused (contract 1.3). Default: refused in the strict check; runs that
   * started before it replay with it accepted.
   */
  cardTokenValueRefused?: boolean;
  /**
   * The bounds of the bounded-requests change: orderId as text, policy fields by own name only.
   * Default: applied in the strict check; runs that started before it replay without them.
   */
  bounded?: boolean;
}

/** What is wrong with an orderId's length and type (the first release's rule); undefined when fine. */
export function orderIdProblem(orderId: unknown): string | undefined {
  if (typeof orderId === 'string' && orderId.length > 0 && orderId.length <= MAX_ORDER_ID_LENGTH) return undefined;
  return `orderId must be a string of 1 to ${MAX_ORDER_ID_LENGTH} characters`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `{type}`: the token stays at Swedbank Pay (the worker reads it when it deletes it). Payments started
 * before contract 1.3 carried `{token, type}`; a new start is refused one, so no token enters history.
 */
function tokenProblems(token: unknown, strict: boolean, valueRefused: boolean): string[] {
  if (token === undefined) return [];
  // JSON clients in other languages may send null for an absent field: say so, don't crash.
  if (!isRecord(token)) return ['paymentToken must be an object {type} (or left out)'];
  const problems: string[] = [];
  if (valueRefused && token.token !== undefined) {
    problems.push(
      'paymentToken.token must be left out: give only {type}; the worker reads the token from Swedbank Pay, so it never enters workflow history',
    );
  } else if (
    token.token !== undefined &&
    (typeof token.token !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(token.token))
  ) {
    problems.push('paymentToken.token must be 1 to 64 letters, digits or -');
  }
  if (token.type !== 'PaymentToken' && token.type !== 'RecurrenceToken') {
    problems.push('paymentToken.type must be PaymentToken or RecurrenceToken');
  }
  if (strict && Object.keys(token).some((k) => k !== 'type' && k !== 'token')) {
    problems.push('paymentToken has unknown fields');
  }
  return problems;
}

/** Where the workflow runs and what it carries: checked by the workflow itself, which knows both. */
function runProblems(input: Record<string, unknown>, context: InputCheckContext): string[] {
  const problems: string[] = [];
  if (input.carried !== undefined && !context.continued) {
    problems.push('carried is reserved for the workflow itself (continue-as-new); leave it out');
  }
  const parsed = parsePaymentId(input.paymentId);
  if (
    parsed &&
    context.workflowId !== undefined &&
    context.workflowId !== paymentWorkflowId(input.paymentId as string)
  ) {
    problems.push(
      `the workflow id must be ${paymentWorkflowId(input.paymentId as string)} for this payment, not ${context.workflowId}`,
    );
  }
  return problems;
}

/** What is wrong with the input; empty when it is fine. */
export function inputProblems(input: unknown, context: InputCheckContext = {}): string[] {
  if (!isRecord(input)) return ['the input must be a JSON object'];
  const strict = !context.baseline;
  const problems: string[] = [];
  const parsed = parsePaymentId(input.paymentId);
  if (!parsed) problems.push(PAYMENT_ID_PROBLEM);
  const orderId = orderIdProblem(input.orderId);
  if (orderId) {
    problems.push(orderId);
  } else if (strict && (context.bounded ?? true) && !isReferenceText(input.orderId as string)) {
    problems.push('orderId must be text without control characters');
  }
  if ((input.currency === undefined) !== (input.authorizedAmount === undefined)) {
    problems.push('give currency and authorizedAmount together, or neither (then they are read from Swedbank Pay)');
  }
  if (input.currency !== undefined && (typeof input.currency !== 'string' || !/^[A-Z]{3}$/.test(input.currency))) {
    problems.push('currency must be an ISO 4217 code such as SEK');
  }
  if (input.authorizedAmount !== undefined && !isPositiveMinorUnits(input.authorizedAmount)) {
    problems.push('authorizedAmount must be a positive integer in minor units');
  }
  if (input.awaitAuthorization !== undefined && typeof input.awaitAuthorization !== 'boolean') {
    problems.push('awaitAuthorization must be true or false');
  }
  problems.push(...tokenProblems(input.paymentToken, strict, strict && (context.cardTokenValueRefused ?? true)));
  problems.push(...policyProblems(input.policy, parsed?.instrument, strict, context.bounded ?? true));
  if (strict) {
    const unknownFields = Object.keys(input).filter((k) => !INPUT_FIELDS.includes(k));
    if (unknownFields.length > 0) problems.push(`unknown fields: ${unknownFields.slice(0, 5).join(', ')}`);
    problems.push(...runProblems(input, context));
  }
  return problems;
}
