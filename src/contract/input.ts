/** The payment workflow's input and policy: part of the wire contract (plain JSON, durations in ms). */
import type { TokenType } from './messages.js';

/**
 * How the workflow forms the payeeReference of each capture, cancellation and reversal (Swedbank Pay's
 * idempotency key, unique per payee). `alphanumeric` (default, settlement option A): up to 30 letters
 * and digits derived from the payment id, unique without any help. `digits` (settlement option B, where
 * the reference goes to the acquirer): 12 digits, the `prefix` (1 to 9 digits, no leading zero) padded
 * to 9, then the operation's number in the payment (3 digits, so at most 999 operations). The prefix
 * must be unique per payee and payment, e.g. the OMS's numeric payment number: two payments with one
 * prefix would share references.
 */
export type PayeeReferenceScheme = { format: 'alphanumeric' } | { format: 'digits'; prefix: string };

export interface PaymentPolicy {
  /** When the authorization expires (ISO 8601). Default: start + authorizationValidityMs. */
  authorizationExpiresAt?: string;
  /** Default 7 days for cards (acquirers may release sooner than Swedbank Pay's 180), 30 for invoices. */
  authorizationValidityMs?: number;
  /** How long before expiry to act on the uncaptured remainder. Default 1 day. */
  expiryLeadTimeMs?: number;
  /** What to do then: cancel the remainder (default) or only flag the payment. */
  onAuthorizationExpiry?: 'cancel' | 'flag';
  /** How long returns are accepted after nothing remains to capture. Default 60 days. */
  reversalWindowMs?: number;
  /** Delete the payment token when the lifecycle ends. Default false. */
  deleteTokenOnClose?: boolean;
  /** First poll for a transaction's outcome when no callback comes. Default 10 s; doubles up to pollMaxMs. */
  pollInitialMs?: number;
  /** Default 1 hour. Polling goes on for as long as the outcome is unknown. */
  pollMaxMs?: number;
  /** Flag the payment when an outcome is still unknown after this long. Default 1 day. */
  pendingAttentionAfterMs?: number;
  /** Per-attempt limit of each Swedbank Pay activity. Default 120 s. */
  activityTimeoutMs?: number;
  /** Continue-as-new after this many history events, in addition to the server's suggestion. */
  continueAsNewAfterEvents?: number;
  /**
   * With awaitAuthorization: abort the payment (PATCH update-payment-abort) when it is not authorized
   * this long after the workflow started. Default 30 minutes.
   */
  abandonAfterMs?: number;
  /** The payeeReference scheme. Default alphanumeric. */
  payeeReference?: PayeeReferenceScheme;
}

export interface PaymentWorkflowInput {
  /**
   * Swedbank Pay payment id: /psp/paymentorders/{id} (Payment Order v3.1), or a legacy payment's
   * /psp/creditcard/payments/{id} or /psp/invoice/payments/{id}.
   */
  paymentId: string;
  /** The OMS's order id (search attribute SwedbankPayOrderId). */
  orderId: string;
  /** Currency and authorized amount; when absent they are read from Swedbank Pay at start. */
  currency?: string;
  /** With awaitAuthorization, only the announced amount: the ledger uses what Swedbank Pay authorizes. */
  authorizedAmount?: number;
  /**
   * The payment is not authorized yet (the payer is still paying): wait for the authorization
   * (callback, then GET; polling covers lost callbacks), holding requests until it is decided.
   * Default false: the payment is already authorized.
   */
  awaitAuthorization?: boolean;
  /**
   * The payment's card created a token of this type, to delete on request or on close (policy). The
   * worker reads the token itself from Swedbank Pay (a legacy payment's authorization, a payment
   * order's paid resource), so it never enters workflow history. `token` is for payments started
   * before contract 1.3 only: new starts refuse it (the package's starter leaves it out for you).
   * A payment order needs none: without it, a token deletion deletes every token the payment created.
   */
  paymentToken?: { type: TokenType; token?: string };
  policy?: PaymentPolicy;
  /**
   * Reserved: the state one run hands the next on continue-as-new. Refused from any starter; its
   * shape is the workflow's own and not part of the contract.
   */
  carried?: unknown;
}
