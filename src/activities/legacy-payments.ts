/**
 * The activities' legacy side (/psp/creditcard and /psp/invoice payments): each operation creates a
 * transaction resource whose state says the outcome, and a payment that is Pending may still have one
 * landing.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { SwedbankPayClient } from '../swedbank/client.js';
import { ABORT_REL } from '../swedbank/resources.js';
import type { Transaction, TransactionEntry } from '../swedbank/schemas.js';
import { FAILURE_TYPES } from './failures.js';
import type {
  AuthorizationSnapshot,
  CreateTransactionInput,
  DeleteTokenActivityInput,
  PaymentSnapshot,
  TransactionSnapshot,
} from './snapshots.js';

export function snapshot(t: Transaction): TransactionSnapshot {
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

export function legacyPayments(api: () => SwedbankPayClient) {
  return {
    /** The transaction with this payeeReference, if the payment lists one. */
    async find(input: CreateTransactionInput): Promise<TransactionSnapshot | undefined> {
      const found = await api().findTransaction(input.paymentId, input.kind, input.payeeReference);
      return found && snapshot(found.transaction);
    },

    /** Nothing found: may an earlier attempt still land? Only while the payment is Pending. */
    async mayStillLand(input: CreateTransactionInput): Promise<boolean> {
      const { payment } = await api().getPayment(input.paymentId);
      return payment.state === 'Pending';
    },

    async create(input: CreateTransactionInput): Promise<TransactionSnapshot> {
      return snapshot((await send(api(), input)).transaction);
    },

    async payment(paymentId: string): Promise<PaymentSnapshot> {
      const { payment } = await api().getPayment(paymentId);
      return {
        state: payment.state,
        currency: payment.currency,
        amount: payment.amount,
        remainingCaptureAmount: payment.remainingCaptureAmount,
        remainingReversalAmount: payment.remainingReversalAmount,
      };
    },

    async authorization(paymentId: string): Promise<AuthorizationSnapshot> {
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
    },

    /** PATCH abort; a retry first looks whether an earlier attempt (its answer lost) did it. */
    async abort(paymentId: string, retry: boolean): Promise<{ state: string }> {
      if (retry) {
        const { payment } = await api().getPayment(paymentId);
        if (payment.state === 'Aborted') return { state: 'Aborted' };
      }
      const { payment } = await api().abort(paymentId);
      return { state: payment.state };
    },

    /**
     * Deletes the card token: read from the payment's authorization (or, before contract 1.3, given).
     * A retry looks first: an attempt whose answer was lost may have deleted it. Returns the token's
     * last characters for the log.
     */
    async deleteToken(input: DeleteTokenActivityInput, retry: boolean): Promise<{ isDeleted: boolean; token: string }> {
      const tokenType = input.tokenType ?? 'PaymentToken';
      if (tokenType === 'UnscheduledToken') {
        throw ApplicationFailure.nonRetryable(
          'unscheduled tokens are payment order tokens',
          FAILURE_TYPES.noPaymentToken,
        );
      }
      const token =
        'paymentToken' in input ? input.paymentToken : await api().findCardToken(input.paymentId, tokenType);
      if (token === undefined) {
        throw ApplicationFailure.nonRetryable(
          `Swedbank Pay shows no ${tokenType} for this payment`,
          FAILURE_TYPES.noPaymentToken,
        );
      }
      if (retry && (await api().getToken(token)).isDeleted) return { isDeleted: true, token };
      const data = await api().deleteToken({ paymentToken: token, tokenType, comment: input.comment });
      return { isDeleted: data.isDeleted, token };
    },
  };
}
