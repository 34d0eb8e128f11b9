/**
 * The activities' Payment Order v3.1 side: the same snapshots the workflow gets for legacy payments,
 * read from what a payment order shows. A capture, cancel or reversal answers with the whole payment
 * order, not a transaction: the transaction is then found in `financialTransactions` by its
 * payeeReference. A 202 (an asynchronous reversal) leaves it pending: its outcome appears later in
 * `financialTransactions` (success) or `postPurchaseFailedAttempts` (failure, which names no
 * payeeReference: a new failed attempt of the operation's type after it was sent is its failure).
 */
import type { TokenType } from '../contract/index.js';
import {
  FINANCIAL_TYPE,
  PAYMENT_ORDER_ABORT_REL,
  postPurchasePending,
  problemSentence,
  transactionIn,
  type PaymentOrderClient,
  type PaymentOrderTransactionKind,
  type PostPurchaseAnswer,
} from '../swedbank/payment-orders/client.js';
import type { FinancialTransaction, PaymentOrderResponse } from '../swedbank/payment-orders/schemas.js';
import type {
  AuthorizationSnapshot,
  CreateTransactionInput,
  PaymentOrderTransactionRef,
  PaymentSnapshot,
  TransactionSnapshot,
} from './snapshots.js';

function completed(t: FinancialTransaction, input: { payeeReference: string; amount?: number }): TransactionSnapshot {
  return {
    transactionId: t.id,
    state: 'Completed',
    number: t.number,
    // A cancellation's amount is what it released; an order that lists none released what was asked.
    amount: t.amount > 0 ? t.amount : (input.amount ?? 0),
    vatAmount: t.vatAmount,
    payeeReference: input.payeeReference,
  };
}

/** Not known yet: the workflow waits for a callback or a poll, then reads the outcome. */
function pending(input: CreateTransactionInput, failedAttemptsSeen: number): TransactionSnapshot {
  return {
    transactionId: '',
    state: 'Initialized',
    number: '',
    amount: input.amount ?? input.cancellationAmount ?? 0,
    vatAmount: input.vatAmount ?? 0,
    payeeReference: input.payeeReference,
    failedAttemptsSeen,
  };
}

/** A cancellation as the order shows it when financialTransactions does not list it. */
function cancellation(
  order: PaymentOrderResponse['paymentOrder'],
  ref: { paymentId: string; payeeReference: string },
  amount: number,
): TransactionSnapshot {
  return {
    transactionId: order.cancelled?.id ?? `${ref.paymentId}/cancelled`,
    state: 'Completed',
    number: '',
    amount,
    vatAmount: 0,
    payeeReference: ref.payeeReference,
  };
}

/**
 * The portal's financialTransactions examples list captures and reversals only, so a cancellation is
 * also seen on the order: Cancelled, or nothing left to capture with the captures listed short of the
 * order's amount by what ours was to release (a capture that took the rest would close that gap).
 */
function cancellationShown(
  order: PaymentOrderResponse['paymentOrder'],
  list: readonly FinancialTransaction[],
  released: number,
): boolean {
  if (order.status === 'Cancelled') return true;
  if (order.remainingCaptureAmount !== 0 || released <= 0) return false;
  const captured = list.filter((t) => sameType(t.type, 'capture')).reduce((sum, t) => sum + t.amount, 0);
  return captured + released === order.amount;
}

/** The operation was sent and answered, but what followed could not be read: its outcome is unknown, not refused. */
export class SentOutcomeUnread extends Error {
  override name = 'SentOutcomeUnread';
}

function sameType(type: string, kind: PaymentOrderTransactionKind): boolean {
  return type.toLowerCase() === FINANCIAL_TYPE[kind].toLowerCase();
}

export function paymentOrderActivities(po: () => PaymentOrderClient) {
  async function failedAttemptsOf(resource: PaymentOrderResponse, kind: PaymentOrderTransactionKind): Promise<number> {
    return (await po().failedAttempts(resource)).filter((a) => sameType(a.type, kind)).length;
  }

  function send(input: CreateTransactionInput): Promise<PostPurchaseAnswer> {
    const common = { description: input.description, payeeReference: input.payeeReference };
    const money = {
      ...common,
      amount: input.amount ?? 0,
      vatAmount: input.vatAmount ?? 0,
      ...(input.orderItems && { orderItems: input.orderItems }),
      ...(input.receiptReference !== undefined && { receiptReference: input.receiptReference }),
    };
    switch (input.kind) {
      case 'capture':
        return po().capture(input.paymentId, money);
      case 'cancellation':
        return po().cancel(input.paymentId, common);
      case 'reversal':
        return po().reverse(input.paymentId, money);
    }
  }

  /**
   * The order, and the transaction as it shows there: listed by its payeeReference, or (a
   * cancellation) seen on the order itself. `amount`: what was asked, for a listing without one.
   */
  async function lookUp(
    ref: { paymentId: string; kind: PaymentOrderTransactionKind; payeeReference: string },
    amount: number,
  ): Promise<{ resource: PaymentOrderResponse; settled?: TransactionSnapshot }> {
    const resource = await po().get(ref.paymentId);
    const list = await po().financialTransactions(resource);
    const found = transactionIn(list, ref.kind, ref.payeeReference);
    if (found) return { resource, settled: completed(found, { payeeReference: ref.payeeReference, amount }) };
    if (ref.kind === 'cancellation' && cancellationShown(resource.paymentOrder, list, amount)) {
      return { resource, settled: cancellation(resource.paymentOrder, ref, amount) };
    }
    return { resource };
  }

  return {
    /** The transaction with this payeeReference, if the order lists one (a cancellation: or shows it). */
    async find(input: CreateTransactionInput): Promise<TransactionSnapshot | undefined> {
      return (await lookUp(input, input.amount ?? input.cancellationAmount ?? 0)).settled;
    },

    /**
     * Nothing found: may an earlier attempt still land? While the order processes an operation: it
     * offers no post-purchase operation though money is left.
     */
    async mayStillLand(input: CreateTransactionInput): Promise<boolean> {
      return postPurchasePending(await po().get(input.paymentId));
    },

    /**
     * Sends the operation; a 202, or a capture's or reversal's 200 whose transaction is not listed
     * yet, is pending. A cancel's 200 is its success, listed or not.
     */
    async create(input: CreateTransactionInput): Promise<TransactionSnapshot> {
      const answer = await send(input);
      try {
        const resource = answer.resource ?? (await po().get(input.paymentId));
        if (!answer.accepted) {
          const found = await po().findTransaction(resource, input.kind, input.payeeReference);
          if (found) return completed(found, { ...input, amount: input.amount ?? input.cancellationAmount });
          // The portal answers a cancel that succeeded with 200 (a refused one is a problem): done.
          if (input.kind === 'cancellation') {
            return cancellation(resource.paymentOrder, input, input.cancellationAmount ?? 0);
          }
        }
        return pending(input, await failedAttemptsOf(resource, input.kind));
      } catch (err) {
        // Swedbank Pay took the operation: a failed read after it must not turn it into a refusal.
        throw new SentOutcomeUnread(`${input.kind} sent, its outcome not readable yet: ${(err as Error).message}`);
      }
    },

    /** A pending transaction's outcome: listed (Completed), a new failed attempt (Failed), or still pending. */
    async outcome(ref: PaymentOrderTransactionRef): Promise<TransactionSnapshot> {
      const { resource, settled } = await lookUp(ref, ref.amount);
      if (settled) return settled;
      const failures = (await po().failedAttempts(resource)).filter((a) => sameType(a.type, ref.kind));
      const base = { transactionId: '', number: '', amount: ref.amount, vatAmount: ref.vatAmount };
      if (failures.length > ref.failedAttemptsSeen) {
        const failure = failures.at(-1);
        return {
          ...base,
          state: 'Failed',
          ...(failure?.number !== undefined && { number: failure.number }),
          payeeReference: ref.payeeReference,
          failedReason: problemSentence(failure?.problem),
        };
      }
      return {
        ...base,
        state: 'Initialized',
        payeeReference: ref.payeeReference,
        failedAttemptsSeen: ref.failedAttemptsSeen,
      };
    },

    /** The order as the lifecycle starts from it: amounts, and whether it was paid as a sale. */
    async payment(paymentId: string): Promise<PaymentSnapshot> {
      const resource = await po().get(paymentId);
      const order = resource.paymentOrder;
      const paid = ['Paid', 'Cancelled', 'Reversed'].includes(order.status) ? await po().paid(resource) : undefined;
      return {
        state: order.status,
        currency: order.currency,
        amount: paid?.amount ?? order.amount,
        ...(order.remainingCaptureAmount !== undefined && { remainingCaptureAmount: order.remainingCaptureAmount }),
        ...(order.remainingReversalAmount !== undefined && { remainingReversalAmount: order.remainingReversalAmount }),
        ...(paid && { transactionType: transactionTypeOf(paid.transactionType, resource) }),
        ...(paid?.instrument !== undefined && { paymentMethod: paid.instrument }),
      };
    },

    /** The order as the authorization phase reads it: unpaid (Ready), paid (an Authorization or a Sale), failed, aborted. */
    async authorization(paymentId: string): Promise<AuthorizationSnapshot> {
      const resource = await po().get(paymentId);
      const order = resource.paymentOrder;
      const base = {
        currency: order.currency,
        amount: order.amount,
        abortAvailable: resource.operations.some((o) => o.rel === PAYMENT_ORDER_ABORT_REL),
      };
      switch (order.status) {
        case 'Initialized':
          return { ...base, paymentState: 'Ready', transactions: [] };
        case 'Aborted':
          return { ...base, paymentState: 'Aborted', transactions: [] };
        case 'Failed': {
          const failedReason = await po().failureReason(resource);
          const declined = { transactionId: '', type: 'Authorization' as const, state: 'Failed' as const, amount: 0 };
          return {
            ...base,
            paymentState: 'Failed',
            transactions: [{ ...declined, number: '', created: order.updated ?? '', failedReason }],
          };
        }
        default: {
          const paid = await po().paid(resource);
          const type = transactionTypeOf(paid.transactionType, resource);
          return {
            ...base,
            paymentState: 'Ready',
            ...(type === 'Sale' && { sale: true }),
            ...(paid.instrument !== undefined && { paymentMethod: paid.instrument }),
            transactions: [
              {
                transactionId: paid.id,
                type,
                state: 'Completed',
                amount: paid.amount,
                number: paid.number ?? '',
                created: order.updated ?? order.created ?? '',
              },
            ],
          };
        }
      }
    },

    /** PATCH abort; an order already Aborted (an earlier attempt's answer lost) is the same success. */
    async abort(paymentId: string, retry: boolean): Promise<{ state: string }> {
      if (retry) {
        const { paymentOrder } = await po().get(paymentId);
        if (paymentOrder.status === 'Aborted') return { state: 'Aborted' };
      }
      const { paymentOrder } = await po().abort(paymentId);
      return { state: paymentOrder.status };
    },

    /**
     * Deletes the tokens the payment created (of one type, or all): read from the paid resource, so
     * no token passes through workflow history. Deleting is idempotent, so a retry simply repeats it.
     */
    async deleteTokens(paymentId: string, tokenType: TokenType | undefined, comment: string): Promise<number> {
      const tokens = await po().tokens(paymentId, tokenType);
      for (const token of tokens) await po().deleteToken(token, comment);
      return tokens.length;
    },
  };
}

/**
 * Authorization (to capture) or Sale (one-phase). The paid resource says so in most of the portal's
 * examples; when it does not, the operations do, as the portal recommends: a sale offers no capture.
 */
function transactionTypeOf(
  given: 'Authorization' | 'Sale' | undefined,
  resource: PaymentOrderResponse,
): 'Authorization' | 'Sale' {
  if (given) return given;
  const rels = resource.operations.map((o) => o.rel);
  return rels.includes('capture') || rels.includes('cancel') ? 'Authorization' : 'Sale';
}

export type PaymentOrderActivities = ReturnType<typeof paymentOrderActivities>;
