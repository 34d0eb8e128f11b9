/**
 * Turns Swedbank Pay client errors into Temporal activity failures: final errors are non-retryable
 * (blind retries of refused captures and reversals would walk into the five-failure lock), transient
 * ones retry with the activity's backoff, a 429 after its Retry-After. Messages are the client's,
 * which never contain the bearer token.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ProblemError, RateLimitedError, SwedbankPayError } from '../swedbank/errors.js';

/** Failure types the workflow branches on. */
export const FAILURE_TYPES = {
  problem: 'SwedbankPayProblem',
  operationNotAvailable: 'OperationNotAvailable',
  invalidRequest: 'InvalidRequest',
  payeeReferenceConflict: 'PayeeReferenceConflict',
  unexpectedResponse: 'UnexpectedResponse',
  transient: 'SwedbankPayTransient',
  noPaymentToken: 'NoPaymentToken',
} as const;

export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof SwedbankPayError)) return err;
  const details =
    err instanceof ProblemError
      ? [{ status: err.status, problemType: err.type, title: err.title, detail: err.detail, problems: err.problems }]
      : [];
  if (err.retryable) {
    return ApplicationFailure.create({
      message: err.message,
      type: FAILURE_TYPES.transient,
      nonRetryable: false,
      details,
      nextRetryDelay: err instanceof RateLimitedError && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
    });
  }
  const type =
    err.code === 'operation-not-available'
      ? FAILURE_TYPES.operationNotAvailable
      : err.code === 'invalid-request'
        ? FAILURE_TYPES.invalidRequest
        : err.code === 'unexpected-response'
          ? FAILURE_TYPES.unexpectedResponse
          : FAILURE_TYPES.problem;
  return ApplicationFailure.create({ message: err.message, type, nonRetryable: true, details });
}
