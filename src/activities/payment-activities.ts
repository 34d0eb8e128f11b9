/**
 * The payment workflow's activities: one per Swedbank Pay operation, made by a factory that closes
 * over the client (and so the bearer token, which never enters workflow history).
 *
 * Exactly once: a transaction's payeeReference is fixed by the workflow before the first attempt.
 * A retry (whose earlier attempt may have reached Swedbank Pay) first looks the payeeReference up,
 * and "payeeReference already used" also means "look it up": a transaction is never created twice.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  OperationNotAvailableError,
  PayeeReferenceAlreadyUsedError,
  UnexpectedResponseError,
} from '../swedbank/errors.js';
import type { SwedbankPayClient } from '../swedbank/client.js';
import type { TransactionKind } from '../swedbank/resources.js';
import { ABORT_REL } from '../swedbank/resources.js';
import type { PaymentState, Transaction, TransactionEntry, TokenType } from '../swedbank/schemas.js';
import type { ItemDescription, VatSummary } from '../contract/index.js';
import { FAILURE_TYPES, toActivityFailure } from './failures.js';

export interface CreateTransactionInput {
  paymentId: string;
  kind: TransactionKind;
  payeeReference: string;
  description: string;
  /** Captures and reversals. */
  amount?: number;
  vatAmount?: number;
  /** Invoice captures. */
  itemDescriptions?: ItemDescription[];
  vatSummary?: VatSummary[];
  /**
   * An earlier run of the workflow may have sent it (it moved to a new run with the outcome unknown):
   * look before sending, as a retry does.
   */
  resume?: boolean;
}

/**
 * A token deletion: the payment whose authorization created the token (the worker reads the token
 * from Swedbank Pay), or, for payments started before contract 1.3, the token itself.
 */
export type DeleteTokenActivityInput =
  | { paymentId: string; tokenType: TokenType; comment: string }
  | { paymentToken: string; tokenType: TokenType; comment: string };

/** What the workflow needs of a transaction (no secrets, small enough for history). */
export interface TransactionSnapshot {
  transactionId: string;
  state: Transaction['state'];
  number: string;
  amount: number;
  vatAmount: number;
  payeeReference: string;
  failedReason?: string;
}

export interface PaymentSnapshot {
  state: string;
  currency: string;
  amount: number;
  remainingCaptureAmount?: number;
  remainingReversalAmount?: number;
}

/**
 * A payment that may not be authorized yet, as the workflow needs it: its state, whether abort is
 * offered, and every transaction (amounts and states only: no card data, no payer data).
 */
export interface AuthorizationSnapshot {
  paymentState: PaymentState;
  currency: string;
  /** The amount the payment was created with; what is authorized is in its transactions. */
  amount: number;
  abortAvailable: boolean;
  transactions: {
    transactionId: string;
    type: Transaction['type'];
    state: Transaction['state'];
    amount: number;
    number: string;
    created: string;
    failedReason?: string;
  }[];
}

function snapshot(t: Transaction): TransactionSnapshot {
  return {
    transactionId: t.id,
    state: t.state,
    number: t.number,
    amount: t.amount,
    vatAmount: t.vatAmount,
    payeeReference: t.payeeReference,
    ...(t.failedReason ? { failedReason: t.failedReason } : {}),
  };
}

function send(client: SwedbankPayClient, input: CreateTransactionInput): Promise<TransactionEntry> {
  const common = { description: input.description, payeeReference: input.payeeReference };
  switch (input.kind) {
    case 'capture':
      return client.capture(input.paymentId, {
        ...common,
        amount: input.amount ?? 0,
        vatAmount: input.vatAmount ?? 0,
        itemDescriptions: input.itemDescriptions,
        vatSummary: input.vatSummary,
      });
    case 'cancellation':
      return client.cancel(input.paymentId, common);
    case 'reversal':
      return client.reverse(input.paymentId, { ...common, amount: input.amount ?? 0, vatAmount: input.vatAmount ?? 0 });
  }
}

/** How many attempts a "payeeReference already used" that the lists do not show yet is given to appear. */
const LISTING_LAG_ATTEMPTS = 5;

export function createPaymentActivities(base: SwedbankPayClient) {
  // Each request follows the running activity's cancellation (worker shutdown, timeout), so a
  // draining worker stops waiting; the retry looks the transaction up by payeeReference first.
  const api = () => base.withCancellation(Context.current().cancellationSignal);

  /**
   * The transaction an earlier attempt created, if any. One with this payeeReference but another
   * amount is not ours (a reference reused by another workflow): a conflict, never a success.
   */
  async function find(input: CreateTransactionInput): Promise<TransactionSnapshot | undefined> {
    const found = await api().findTransaction(input.paymentId, input.kind, input.payeeReference);
    if (!found) return undefined;
    if (input.amount !== undefined && found.transaction.amount !== input.amount) {
      throw ApplicationFailure.nonRetryable(
        `payeeReference ${input.payeeReference} belongs to a ${input.kind} of ${found.transaction.amount}, not ${input.amount}`,
        FAILURE_TYPES.payeeReferenceConflict,
      );
    }
    return snapshot(found.transaction);
  }

  /** Retry later: an earlier attempt may still land, so nothing may be concluded or sent yet. */
  function outcomeUnknown(why: string): ApplicationFailure {
    return ApplicationFailure.retryable(why, FAILURE_TYPES.transient);
  }

  return {
    /**
     * Creates a capture, cancellation or reversal, or finds the one an earlier attempt created.
     * Fails non-retryably only when Swedbank Pay definitely did not (or definitely failed to)
     * create it; every "maybe" is retried, and each retry looks before it sends.
     */
    async createTransaction(input: CreateTransactionInput): Promise<TransactionSnapshot> {
      const attempt = Context.current().info.attempt;
      try {
        if (attempt > 1 || input.resume) {
          const earlier = await find(input);
          if (earlier) return earlier;
          const { payment } = await api().getPayment(input.paymentId);
          if (payment.state === 'Pending')
            throw outcomeUnknown('the payment is Pending: an earlier attempt may still land');
        }
        return snapshot((await send(api(), input)).transaction);
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        if (err instanceof PayeeReferenceAlreadyUsedError) {
          const existing = await find(input).catch((e: unknown) => {
            throw toActivityFailure(e);
          });
          if (existing) return existing;
          if (attempt < LISTING_LAG_ATTEMPTS) throw outcomeUnknown('payeeReference used, not listed yet');
          throw ApplicationFailure.nonRetryable(
            `payeeReference ${input.payeeReference} is used by another transaction of this payee`,
            FAILURE_TYPES.payeeReferenceConflict,
          );
        }
        // A 2xx we cannot read: the transaction may exist; the next attempt looks it up.
        if (err instanceof UnexpectedResponseError && err.status >= 200 && err.status < 300) {
          throw outcomeUnknown(err.message);
        }
        throw toActivityFailure(err);
      }
    },

    /** GET one transaction: the truth after a callback or a poll. */
    async getTransaction(transactionId: string): Promise<TransactionSnapshot> {
      try {
        return snapshot(await api().getTransaction(transactionId));
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    async getPayment(paymentId: string): Promise<PaymentSnapshot> {
      try {
        const { payment } = await api().getPayment(paymentId);
        return {
          state: payment.state,
          currency: payment.currency,
          amount: payment.amount,
          remainingCaptureAmount: payment.remainingCaptureAmount,
          remainingReversalAmount: payment.remainingReversalAmount,
        };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** The payment and its transactions: whether (and for how much) it is authorized. */
    async readAuthorization(paymentId: string): Promise<AuthorizationSnapshot> {
      try {
        const { payment, operations, transactions } = await api().getPaymentWithTransactions(paymentId);
        return {
          paymentState: payment.state,
          currency: payment.currency,
          amount: payment.amount,
          abortAvailable: operations.some((o) => o.rel === ABORT_REL),
          transactions: transactions.map((t) => ({
            transactionId: t.id,
            type: t.type,
            state: t.state,
            amount: t.amount,
            number: t.number,
            created: t.created,
            ...(t.failedReason ? { failedReason: t.failedReason } : {}),
          })),
        };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /**
     * PATCH abort through the payment's update-payment-abort operation. Idempotent: when the
     * operation is gone or an earlier attempt's answer was lost, the payment's state decides.
     */
    async abortPayment(paymentId: string): Promise<{ state: string }> {
      const attempt = Context.current().info.attempt;
      try {
        if (attempt > 1) {
          const { payment } = await api().getPayment(paymentId);
          if (payment.state === 'Aborted') return { state: 'Aborted' };
        }
        const { payment } = await api().abort(paymentId);
        return { state: payment.state };
      } catch (err) {
        if (err instanceof OperationNotAvailableError && err.paymentState === 'Aborted') return { state: 'Aborted' };
        throw toActivityFailure(err);
      }
    },

    /**
     * Deletes the payment's card token. The token is read from the payment's authorization at
     * Swedbank Pay, so it never passes through workflow history (payments started before contract
     * 1.3 still hand it over). A retry looks first: an attempt whose answer was lost may have deleted it.
     */
    async deletePaymentToken(input: DeleteTokenActivityInput): Promise<{ isDeleted: boolean }> {
      try {
        const token =
          'paymentToken' in input ? input.paymentToken : await api().findCardToken(input.paymentId, input.tokenType);
        if (token === undefined) {
          throw ApplicationFailure.nonRetryable(
            `Swedbank Pay shows no ${input.tokenType} for this payment`,
            FAILURE_TYPES.noPaymentToken,
          );
        }
        if (Context.current().info.attempt > 1 && (await api().getToken(token)).isDeleted) return { isDeleted: true };
        const data = await api().deleteToken({
          paymentToken: token,
          tokenType: input.tokenType,
          comment: input.comment,
        });
        return { isDeleted: data.isDeleted };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
