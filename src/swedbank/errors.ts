/**
 * Typed errors of the Swedbank Pay client. Every error says whether retrying can help (`retryable`)
 * and carries a stable `code` to branch on; none ever contains the bearer token.
 *
 * Final (retrying cannot help, and blind retries of rejected captures/reversals count toward
 * Swedbank Pay's five-failure lock): invalid requests, 400, 401, 403, 404, other 4xx, responses
 * that break the documented schema. Transient: 408, 429 (with Retry-After), 5xx, timeouts,
 * connection errors.
 */
import type { Problem } from './schemas.js';
import { problemKind, type ProblemKind } from './problem-types.js';

export type SwedbankPayErrorCode =
  | 'invalid-request'
  | 'operation-not-available'
  | 'problem'
  | 'payee-reference-already-used'
  | 'rate-limited'
  | 'timeout'
  | 'network'
  | 'unexpected-response';

export abstract class SwedbankPayError extends Error {
  abstract readonly code: SwedbankPayErrorCode;
  abstract readonly retryable: boolean;
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** The request was refused before anything was sent: fix the input. */
export class InvalidRequestError extends SwedbankPayError {
  override name = 'InvalidRequestError';
  readonly code = 'invalid-request';
  readonly retryable = false;
  constructor(
    readonly operation: string,
    readonly issues: ValidationIssue[],
  ) {
    super(
      `invalid ${operation} request: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    );
  }
}

/** The payment does not offer this operation now (its `rel` is absent); nothing was sent. */
export class OperationNotAvailableError extends SwedbankPayError {
  override name = 'OperationNotAvailableError';
  readonly code = 'operation-not-available';
  readonly retryable = false;
  constructor(
    readonly paymentId: string,
    readonly rel: string,
    readonly paymentState: string,
    readonly availableRels: string[],
  ) {
    super(
      `operation ${rel} is not available on payment ${paymentId} (state ${paymentState}; available: ${availableRels.join(', ') || 'none'})`,
    );
  }
}

export interface RequestContext {
  method: string;
  /** Path only (no host, no query): what the message may show. */
  path: string;
}

/** Swedbank Pay answered with an application/problem+json error. */
export class ProblemError extends SwedbankPayError {
  override name = 'ProblemError';
  readonly code: SwedbankPayErrorCode = 'problem';
  readonly retryable: boolean;
  readonly kind: ProblemKind | undefined;
  readonly type: string;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  readonly problems: { name: string; description: string }[];

  constructor(
    readonly status: number,
    problem: Problem,
    readonly request: RequestContext,
  ) {
    const what = [problem.title, problem.detail].filter(Boolean).join(': ');
    const fields = problem.problems.map((p) => `${p.name}: ${p.description}`).join('; ');
    super(
      `${request.method} ${request.path} -> ${status} ${problem.type}${what ? ` (${what})` : ''}${fields ? ` [${fields}]` : ''}`,
    );
    this.retryable = isTransientStatus(status);
    this.kind = problemKind(problem.type);
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.problems = problem.problems;
  }
}

/** 400 because the payeeReference was used before: the transaction may already exist, so look it up. */
export class PayeeReferenceAlreadyUsedError extends ProblemError {
  override name = 'PayeeReferenceAlreadyUsedError';
  override readonly code = 'payee-reference-already-used';
}

/** 429: slow down; `retryAfterMs` from the Retry-After header when it had one. */
export class RateLimitedError extends ProblemError {
  override name = 'RateLimitedError';
  override readonly code = 'rate-limited';
  constructor(
    status: number,
    problem: Problem,
    request: RequestContext,
    readonly retryAfterMs: number | undefined,
  ) {
    super(status, problem, request);
  }
}

/**
 * No answer: the request timed out or the connection failed. `outcomeUnknown` is true when the
 * request may have reached Swedbank Pay and changed something (a POST or PATCH that was sent):
 * look the transaction up by payeeReference before sending it again.
 */
export class TransportError extends SwedbankPayError {
  override name = 'TransportError';
  readonly retryable = true;
  constructor(
    readonly code: 'timeout' | 'network',
    readonly request: RequestContext,
    readonly outcomeUnknown: boolean,
    detail: string,
  ) {
    super(`${request.method} ${request.path} -> ${code === 'timeout' ? 'timed out' : 'network error'}: ${detail}`);
  }
}

/** An answer that is not what Swedbank Pay documents (wrong shape, not JSON, a foreign operation href). */
export class UnexpectedResponseError extends SwedbankPayError {
  override name = 'UnexpectedResponseError';
  readonly code = 'unexpected-response';
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    readonly request: RequestContext,
    detail: string,
  ) {
    super(`${request.method} ${request.path} -> ${status}: unexpected response: ${detail}`);
    this.retryable = isTransientStatus(status);
  }
}

/** 408, 429 and 5xx are worth retrying; every other status is final. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** True when a problem says the payeeReference was already used (a 400 naming PayeeReference). */
export function isPayeeReferenceAlreadyUsed(status: number, problem: Problem): boolean {
  return (
    status === 400 &&
    problem.problems.some((p) => /payeereference/i.test(p.name) && /already\s+(been\s+)?used/i.test(p.description))
  );
}
