/** Typed errors of the OMS client API: what an OMS branches on when a payment request does not go through. */
export { InvalidPaymentInputError } from './start-options.js';

/** No workflow runs or ran for this payment: start tracking it first (or pass its input to start it). */
export class PaymentNotFoundError extends Error {
  override name = 'PaymentNotFoundError';
  constructor(
    readonly paymentId: string,
    options?: ErrorOptions,
  ) {
    super(`no payment workflow for ${paymentId}`, options);
  }
}

/** The payment's lifecycle has ended (its workflow is closed): nothing more can be done through it. */
export class PaymentClosedError extends Error {
  override name = 'PaymentClosedError';
  constructor(
    readonly paymentId: string,
    options?: ErrorOptions,
  ) {
    super(`the payment workflow for ${paymentId} is closed`, options);
  }
}

/**
 * The payment workflow refused the request before anything was sent to Swedbank Pay: `code` is the
 * rule (`exceeds-remaining-capture`, `invalid-amount`, `invalid-request`, …; see docs/CONTRACT.md).
 */
export class PaymentRequestRejectedError extends Error {
  override name = 'PaymentRequestRejectedError';
  constructor(
    readonly paymentId: string,
    readonly code: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${paymentId}: request rejected (${code}): ${reason}`, options);
  }
}

/**
 * The payment's state could not be read: no worker answered the query in time, or the workflow could
 * not answer it. Nothing about the payment changed; ask again later.
 */
export class PaymentStateUnavailableError extends Error {
  override name = 'PaymentStateUnavailableError';
  constructor(
    readonly paymentId: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`the state of ${paymentId} could not be read: ${reason}`, options);
  }
}

/** A `list` filter with an unknown field, a value of the wrong type or out of range; nothing was queried. */
export class InvalidListFilterError extends Error {
  override name = 'InvalidListFilterError';
  constructor(readonly problems: string[]) {
    super(`invalid payment list filter: ${problems.join('; ')}`);
  }
}
