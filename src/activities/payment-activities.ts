/**
 * The payment workflow's activities: one per Swedbank Pay operation, made by a factory that closes
 * over the client (and so the bearer token, which never enters workflow history).
 *
 * Exactly once: a transaction's payeeReference is fixed by the workflow before the first attempt.
 * A retry (whose earlier attempt may have reached Swedbank Pay) first looks the payeeReference up,
 * and "payeeReference already used" also means "look it up": a transaction is never created twice.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isPaymentOrderId } from '../contract/index.js';
import { tokenLast4 } from '../observability/logger.js';
import { noPaymentMetrics, type OperationResultLabel, type PaymentMetrics } from '../observability/payment-metrics.js';
import type { SwedbankPayClient } from '../swedbank/client.js';
import {
  OperationNotAvailableError,
  PayeeReferenceAlreadyUsedError,
  UnexpectedResponseError,
} from '../swedbank/errors.js';
import { problemKind } from '../swedbank/problem-types.js';
import type { TransactionKind } from '../swedbank/resources.js';
import type { Transaction } from '../swedbank/schemas.js';
import type { TokenType } from '../contract/index.js';
import { FAILURE_TYPES, toActivityFailure } from './failures.js';
import { legacyPayments, snapshot } from './legacy-payments.js';
import { paymentOrderActivities, SentOutcomeUnread } from './payment-order-activities.js';
import type {
  AuthorizationSnapshot,
  CreateTransactionInput,
  DeleteTokenActivityInput,
  PaymentOrderTransactionRef,
  PaymentSnapshot,
  TransactionSnapshot,
  WaitingOperation,
} from './snapshots.js';

export type * from './snapshots.js';

/** How many attempts a "payeeReference already used" that the lists do not show yet is given to appear. */
const LISTING_LAG_ATTEMPTS = 5;

const isPending = (state: Transaction['state']) => state === 'Initialized' || state === 'AwaitingActivity';

const KIND_OF_TYPE: Partial<Record<Transaction['type'], TransactionKind>> = {
  Capture: 'capture',
  Cancellation: 'cancellation',
  Reversal: 'reversal',
};

/**
 * What a final failure of an activity says of the operation: Swedbank Pay's acquirer declined it (a
 * 403 acquirererror, the failed transaction recorded: `failed`), or Swedbank Pay refused the request
 * and created nothing (`rejected`). Undefined for a failure that is retried.
 */
function refusalOf(err: unknown): 'failed' | 'rejected' | undefined {
  if (!(err instanceof ApplicationFailure) || err.nonRetryable !== true) return undefined;
  const problemType = (err.details?.[0] as { problemType?: unknown } | undefined)?.problemType;
  return typeof problemType === 'string' && problemKind(problemType) === 'acquirererror' ? 'failed' : 'rejected';
}

export interface PaymentActivitiesOptions {
  /** Where the payment metrics go (the worker's: the runtime's metric meter); none by default. */
  metrics?: PaymentMetrics;
}

export function createPaymentActivities(base: SwedbankPayClient, options: PaymentActivitiesOptions = {}) {
  const metrics = options.metrics ?? noPaymentMetrics;
  const log = () => Context.current().log;
  // Every request is measured and logged (at debug) by the activity that made it.
  const observed = base.observed((request) => {
    metrics.request(request);
    log().debug(`Swedbank Pay ${request.method} ${request.operation}: ${request.status}`, {
      request: { ...request, durationMs: Math.round(request.durationMs) },
    });
  });
  // Each request follows the running activity's cancellation (worker shutdown, timeout), so a
  // draining worker stops waiting; the retry looks the transaction up by payeeReference first.
  const api = () => observed.withCancellation(Context.current().cancellationSignal);

  /** Counts and logs the answer to a new transaction: final, or not known yet. */
  function answered(kind: TransactionKind, tx: TransactionSnapshot, how: string): TransactionSnapshot {
    const fields = { transactionId: tx.transactionId, state: tx.state, number: tx.number, amount: tx.amount };
    if (isPending(tx.state)) {
      metrics.outcomeUnknown(kind);
      log().info(`${kind} ${how}: outcome unknown (${tx.state}); the workflow waits for a callback or a poll`, fields);
    } else if (tx.state === 'Completed') {
      metrics.operation(kind, 'completed');
      log().info(`${kind} ${how}: Completed`, fields);
    } else {
      metrics.operation(kind, 'failed');
      log().warn(`${kind} ${how}: Failed at Swedbank Pay`, { ...fields, failedReason: tx.failedReason });
    }
    return tx;
  }

  /** Counts and logs a final failure (rethrown by the caller). */
  function refused(operation: string, err: unknown): void {
    const outcome = refusalOf(err);
    if (outcome === undefined) return;
    metrics.operation(operation, outcome);
    const how = outcome === 'failed' ? 'declined at Swedbank Pay' : 'rejected by Swedbank Pay';
    log().warn(`${operation} ${how}: ${(err as Error).message}`, { failureType: (err as ApplicationFailure).type });
  }

  const legacy = legacyPayments(api);
  const orders = paymentOrderActivities(() => api().paymentOrders());
  /** The API a payment lives in: the legacy payment APIs or Payment Order v3.1. */
  const apiOf = (paymentId: string) => (isPaymentOrderId(paymentId) ? orders : legacy);

  /**
   * The transaction an earlier attempt created, if any. One with this payeeReference but another
   * amount is not ours (a reference reused by another workflow): a conflict, never a success.
   */
  async function find(input: CreateTransactionInput): Promise<TransactionSnapshot | undefined> {
    const found = await apiOf(input.paymentId).find(input);
    if (!found) return undefined;
    if (input.amount !== undefined && found.amount !== input.amount) {
      throw ApplicationFailure.nonRetryable(
        `payeeReference ${input.payeeReference} belongs to a ${input.kind} of ${found.amount}, not ${input.amount}`,
        FAILURE_TYPES.payeeReferenceConflict,
      );
    }
    return found;
  }

  /** Counts and logs a transaction read while its outcome was unknown, when it has become final. */
  function read(
    tx: TransactionSnapshot,
    kind: TransactionKind | undefined,
    waitingSince?: string,
  ): TransactionSnapshot {
    if (isPending(tx.state) || kind === undefined) {
      log().debug(`${kind ?? 'transaction'} outcome still unknown (${tx.state})`, { transactionId: tx.transactionId });
      return tx;
    }
    const since = waitingSince === undefined ? Number.NaN : Date.parse(waitingSince);
    const waitedSeconds = Number.isNaN(since) ? 0 : (Date.now() - since) / 1000;
    const outcome: OperationResultLabel = tx.state === 'Completed' ? 'completed' : 'failed';
    metrics.operation(kind, outcome);
    metrics.outcomeKnown(kind, outcome, waitedSeconds);
    const fields = {
      transactionId: tx.transactionId,
      state: tx.state,
      number: tx.number,
      waitedSeconds: Math.round(waitedSeconds),
    };
    if (outcome === 'completed') log().info(`${kind} outcome known: Completed`, fields);
    else log().warn(`${kind} outcome known: Failed at Swedbank Pay`, { ...fields, failedReason: tx.failedReason });
    return tx;
  }

  /** Retry later: an earlier attempt may still land, so nothing may be concluded or sent yet. */
  function outcomeUnknown(why: string): ApplicationFailure {
    return ApplicationFailure.retryable(why, FAILURE_TYPES.transient);
  }

  async function createOrFind(input: CreateTransactionInput): Promise<TransactionSnapshot> {
    const attempt = Context.current().info.attempt;
    try {
      if (attempt > 1 || input.resume) {
        const earlier = await find(input);
        if (earlier) return answered(input.kind, earlier, 'found by payeeReference (an earlier attempt sent it)');
        if (await apiOf(input.paymentId).mayStillLand(input)) {
          throw outcomeUnknown('Swedbank Pay is still processing an operation: an earlier attempt may still land');
        }
      }
      log().info(`sending ${input.kind}`, { amount: input.amount, attempt });
      return answered(input.kind, await apiOf(input.paymentId).create(input), 'sent');
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      if (err instanceof PayeeReferenceAlreadyUsedError) {
        const existing = await find(input).catch((e: unknown) => {
          throw toActivityFailure(e);
        });
        if (existing) return answered(input.kind, existing, 'found by payeeReference (it was used already)');
        if (attempt < LISTING_LAG_ATTEMPTS) throw outcomeUnknown('payeeReference used, not listed yet');
        throw ApplicationFailure.nonRetryable(
          `payeeReference ${input.payeeReference} is used by another transaction of this payee`,
          FAILURE_TYPES.payeeReferenceConflict,
        );
      }
      // A 2xx we cannot read, or a read after one that failed: the transaction may exist; the next
      // attempt looks it up.
      if (err instanceof UnexpectedResponseError && err.status >= 200 && err.status < 300) {
        throw outcomeUnknown(err.message);
      }
      if (err instanceof SentOutcomeUnread) throw outcomeUnknown(err.message);
      throw toActivityFailure(err);
    }
  }

  return {
    /**
     * Creates a capture, cancellation or reversal, or finds the one an earlier attempt created.
     * Fails non-retryably only when Swedbank Pay definitely did not (or definitely failed to)
     * create it; every "maybe" is retried, and each retry looks before it sends.
     */
    async createTransaction(input: CreateTransactionInput): Promise<TransactionSnapshot> {
      try {
        return await createOrFind(input);
      } catch (err) {
        refused(input.kind, err);
        throw err;
      }
    },

    /**
     * GET one transaction: the truth after a callback or a poll, read while its outcome is unknown. A
     * final state ends the wait: the operation's result and the wait's length are counted.
     */
    async getTransaction(transactionId: string, waiting?: WaitingOperation): Promise<TransactionSnapshot> {
      let tx: Transaction;
      try {
        tx = await api().getTransaction(transactionId);
      } catch (err) {
        throw toActivityFailure(err);
      }
      return read(snapshot(tx), waiting?.operation ?? KIND_OF_TYPE[tx.type], waiting?.waitingSince ?? tx.created);
    },

    /**
     * A payment order's pending transaction: listed in financialTransactions (Completed), a new failed
     * attempt of its kind (Failed), or still pending. Counted like getTransaction.
     */
    async getPaymentOrderTransaction(
      ref: PaymentOrderTransactionRef,
      waiting?: WaitingOperation,
    ): Promise<TransactionSnapshot> {
      let tx: TransactionSnapshot;
      try {
        tx = await orders.outcome(ref);
      } catch (err) {
        throw toActivityFailure(err);
      }
      return read(tx, ref.kind, waiting?.waitingSince);
    },

    /** The payment as the lifecycle starts from it (a payment order: whether it was paid as a sale). */
    async getPayment(paymentId: string): Promise<PaymentSnapshot> {
      try {
        return await apiOf(paymentId).payment(paymentId);
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** The payment and its transactions: whether (and for how much) it is authorized. */
    async readAuthorization(paymentId: string): Promise<AuthorizationSnapshot> {
      try {
        return await apiOf(paymentId).authorization(paymentId);
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /**
     * PATCH abort through the payment's abort operation (update-payment-abort; a payment order's
     * abort). Idempotent: when the operation is gone or an earlier attempt's answer was lost, the
     * payment's state decides.
     */
    async abortPayment(paymentId: string): Promise<{ state: string }> {
      try {
        const { state } = await apiOf(paymentId).abort(paymentId, Context.current().info.attempt > 1);
        if (state === 'Aborted') {
          metrics.operation('abort', 'completed');
          log().info('payment aborted');
        }
        return { state };
      } catch (err) {
        if (err instanceof OperationNotAvailableError && err.paymentState === 'Aborted') return { state: 'Aborted' };
        const failure = toActivityFailure(err);
        refused('abort', failure);
        throw failure;
      }
    },

    /**
     * Deletes the payment's token(s). The token is read from Swedbank Pay (a legacy payment's
     * authorization, a payment order's paid resource), so it never passes through workflow history
     * (payments started before contract 1.3 still hand it over).
     */
    async deletePaymentToken(input: DeleteTokenActivityInput): Promise<{ isDeleted: boolean }> {
      try {
        if ('paymentId' in input && isPaymentOrderId(input.paymentId)) return await deletePaymentOrderTokens(input);
        const { isDeleted, token } = await legacy.deleteToken(input, Context.current().info.attempt > 1);
        if (isDeleted) {
          metrics.operation('delete-token', 'completed');
          log().info(`${input.tokenType ?? 'PaymentToken'} deleted`, { tokenLast4: tokenLast4(token) });
        }
        return { isDeleted };
      } catch (err) {
        const failure = toActivityFailure(err);
        refused('delete-token', failure);
        throw failure;
      }
    },
  };

  /** Every token of the payment order (of the type asked for, or all) is deleted; none at all is a refusal. */
  async function deletePaymentOrderTokens(input: { paymentId: string; tokenType?: TokenType; comment: string }) {
    const deleted = await orders.deleteTokens(input.paymentId, input.tokenType, input.comment);
    if (deleted === 0) {
      throw ApplicationFailure.nonRetryable(
        `Swedbank Pay shows no ${input.tokenType ?? 'token'} for this payment order`,
        FAILURE_TYPES.noPaymentToken,
      );
    }
    metrics.operation('delete-token', 'completed');
    log().info(`${deleted} payment order token(s) deleted`, { tokenType: input.tokenType ?? 'all' });
    return { isDeleted: true };
  }
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
