/**
 * The payment workflow's activities: one per Swedbank Pay operation, made by a factory that closes
 * over the client (and so the bearer token, which never enters workflow history).
 *
 * Exactly once: a transaction's payeeReference is fixed by the workflow before the first attempt.
 * A retry (whose earlier attempt may have reached Swedbank Pay) first looks the payeeReference up,
 * and "payeeReference already used" also means "look it up": a transaction is never created twice.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { PayeeReferenceAlreadyUsedError } from '../swedbank/errors.js';
import type { SwedbankPayClient } from '../swedbank/client.js';
import type { TransactionKind } from '../swedbank/resources.js';
import type { Transaction, TransactionEntry, TokenType } from '../swedbank/schemas.js';
import type { ItemDescription, VatSummary } from '../workflows/messages.js';
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
}

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

export function createPaymentActivities(client: SwedbankPayClient) {
  async function find(input: CreateTransactionInput): Promise<TransactionSnapshot | undefined> {
    const found = await client.findTransaction(input.paymentId, input.kind, input.payeeReference);
    return found ? snapshot(found.transaction) : undefined;
  }

  return {
    /** Creates a capture, cancellation or reversal, or finds the one an earlier attempt created. */
    async createTransaction(input: CreateTransactionInput): Promise<TransactionSnapshot> {
      try {
        if (Context.current().info.attempt > 1) {
          const earlier = await find(input);
          if (earlier) return earlier;
        }
        return snapshot((await send(client, input)).transaction);
      } catch (err) {
        if (!(err instanceof PayeeReferenceAlreadyUsedError)) throw toActivityFailure(err);
        const existing = await find(input).catch((e: unknown) => {
          throw toActivityFailure(e);
        });
        if (existing) return existing;
        // Used, but not by this payment's transactions of this kind: never send under another reference.
        throw ApplicationFailure.nonRetryable(
          `payeeReference ${input.payeeReference} is used by another transaction of this payee`,
          FAILURE_TYPES.payeeReferenceConflict,
        );
      }
    },

    /** GET one transaction: the truth after a callback or a poll. */
    async getTransaction(transactionId: string): Promise<TransactionSnapshot> {
      try {
        return snapshot(await client.getTransaction(transactionId));
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    async getPayment(paymentId: string): Promise<PaymentSnapshot> {
      try {
        const { payment } = await client.getPayment(paymentId);
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

    /** PATCH abort through the payment's update-payment-abort operation. */
    async abortPayment(paymentId: string): Promise<{ state: string }> {
      try {
        const { payment } = await client.abort(paymentId);
        return { state: payment.state };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    async deletePaymentToken(input: {
      paymentToken: string;
      tokenType: TokenType;
      comment: string;
    }): Promise<{ isDeleted: boolean }> {
      try {
        const data = await client.deleteToken(input);
        return { isDeleted: data.isDeleted };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
