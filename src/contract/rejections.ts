/**
 * Why a request is refused: stable codes an OMS branches on (the `type` of the ApplicationFailure an
 * update fails with, `code` of a rejected signal, `failureType` of a Rejected result). Part of the
 * wire contract (docs/CONTRACT.md#rejections).
 */

/** The money rules of the ledger and the authorization phase. */
export type LedgerRejectionCode =
  | 'invalid-amount'
  | 'invalid-vat-amount'
  | 'exceeds-remaining-capture'
  | 'nothing-to-cancel'
  | 'one-phase-payment'
  | 'exceeds-remaining-reversal'
  | 'abort-not-allowed'
  | 'payment-aborted'
  | 'authorization-failed'
  | 'payment-abandoned';

/** Every code a request can be refused with. */
export type RejectionCode =
  | LedgerRejectionCode
  | 'invalid-request'
  | 'no-payment-token'
  | 'payment-closed'
  | 'unknown-payment'
  | 'reference-reused'
  | 'too-many-operations'
  | 'unknown-message';

/** A refusal: a stable code to branch on and a sentence for people. */
export interface Rejection<C extends string = RejectionCode> {
  code: C;
  message: string;
}
