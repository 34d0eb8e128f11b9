/**
 * The Payment Order v3.1 client (/psp/paymentorders): capture, cancel, reversal and abort through
 * the operation each payment order offers by `rel`, and the resources that tell what happened
 * (financialTransactions, postPurchaseFailedAttempts, paid, failed). One attempt per call, like the
 * legacy client: retrying, and looking a transaction up by payeeReference first, is the caller's.
 */
import { z } from 'zod';
import type { TokenType } from '../../contract/index.js';
import { InvalidRequestError, OperationNotAvailableError, ProblemError } from '../errors.js';
import type { Transport } from '../transport.js';
import {
  buildAbortRequest,
  buildCancelRequest,
  buildCaptureRequest,
  buildDeleteTokenRequest,
  buildReversalRequest,
  type CancelInput,
  type MoneyTransactionInput,
} from './requests.js';
import {
  FailedResponse,
  FinancialTransactionsResponse,
  PaidResponse,
  PaymentOrderPath,
  PaymentOrderResponse,
  PostPurchaseFailedAttemptsResponse,
  TokenDeletionResponse,
  type FinancialTransaction,
  type PaymentOrder,
  type PostPurchaseFailedAttempt,
  type ProblemBody,
} from './schemas.js';

export type PaymentOrderTransactionKind = 'capture' | 'cancellation' | 'reversal';

/** The operation `rel` of each after-payment operation (v3.1; the create-paymentorder-* rels are deprecated). */
export const PAYMENT_ORDER_REL = { capture: 'capture', cancellation: 'cancel', reversal: 'reversal' } as const;
export const PAYMENT_ORDER_ABORT_REL = 'abort';
const POST_PURCHASE_RELS: readonly string[] = Object.values(PAYMENT_ORDER_REL);

/** The financialTransactions `type` each operation creates. */
export const FINANCIAL_TYPE = { capture: 'Capture', cancellation: 'Cancellation', reversal: 'Reversal' } as const;

/** Where each token type is deleted: /psp/paymentorders/{paymentTokens|recurrenceTokens|unscheduledTokens}/{token}. */
const TOKEN_SEGMENT: Record<TokenType, string> = {
  PaymentToken: 'paymentTokens',
  RecurrenceToken: 'recurrenceTokens',
  UnscheduledToken: 'unscheduledTokens',
};

/** The paid resource's token `type`s (the portal writes them in several casings) and ours. */
const PAID_TOKEN_TYPE: Record<string, TokenType> = {
  payment: 'PaymentToken',
  recurrence: 'RecurrenceToken',
  unscheduled: 'UnscheduledToken',
};

export type PaymentOrderResource = PaymentOrderResponse;

/**
 * What a capture, cancel or reversal POST answered: 202 means Swedbank Pay is still processing it.
 * `resource`: the payment order it answered with; absent when the answer (a 2xx) had another shape, as
 * the portal's pages show v3.0 answers first (`{payment, capture}`): the order is then read anew.
 */
export interface PostPurchaseAnswer {
  accepted: boolean;
  resource?: PaymentOrderResponse;
}

/** A token a payment created, as the worker needs it to delete it (never logged, never in history). */
export interface PaymentOrderToken {
  type: TokenType;
  token: string;
}

function checkId(paymentOrderId: string): void {
  if (!PaymentOrderPath.safeParse(paymentOrderId).success) {
    throw new InvalidRequestError('payment order', [
      { path: 'paymentOrderId', message: 'expected /psp/paymentorders/{id}' },
    ]);
  }
}

/** A sub-resource: the link the payment order gives, else the documented path. */
function linkOf(order: PaymentOrder, link: { id: string } | undefined, segment: string): string {
  return link?.id ?? `${order.id}/${segment}`;
}

const ATTEMPTS_SPELLINGS = ['/postpurchasefailedattempts', '/failedpostpurchaseattempts'] as const;

/** The failed attempts' path in the portal's other spelling; undefined for a path in neither. */
function otherAttemptsSpelling(path: string): string | undefined {
  const lower = path.toLowerCase();
  for (const [i, spelling] of ATTEMPTS_SPELLINGS.entries()) {
    if (lower.endsWith(spelling)) return path.slice(0, -spelling.length) + ATTEMPTS_SPELLINGS[1 - i]!;
  }
  return undefined;
}

/** The transaction of this kind with this payeeReference in an order's financialTransactions. */
export function transactionIn(
  list: readonly FinancialTransaction[],
  kind: PaymentOrderTransactionKind,
  payeeReference: string,
): FinancialTransaction | undefined {
  const type = FINANCIAL_TYPE[kind].toLowerCase();
  return list.find((t) => t.payeeReference === payeeReference && t.type.toLowerCase() === type);
}

/** A payment order's status and rels while an operation is still processed: Paid, no post-purchase rel, money left. */
export function postPurchasePending(resource: PaymentOrderResponse): boolean {
  const { paymentOrder: order, operations } = resource;
  if (order.status !== 'Paid') return false;
  if (operations.some((o) => POST_PURCHASE_RELS.includes(o.rel))) return false;
  const left = (order.remainingCaptureAmount ?? 0) + (order.remainingReversalAmount ?? 0);
  return left > 0;
}

/** A problem as one sentence: Swedbank Pay's detail and what its problems name. */
export function problemSentence(problem: ProblemBody | undefined): string {
  if (!problem) return 'no reason given';
  const parts = [problem.detail ?? problem.title, ...problem.problems.map((p) => `${p.name}: ${p.description}`)];
  return parts.filter(Boolean).join('; ') || 'no reason given';
}

export class PaymentOrderClient {
  constructor(private readonly transport: Transport) {}

  /** GET the payment order with the operations it offers now. */
  async get(paymentOrderId: string): Promise<PaymentOrderResponse> {
    checkId(paymentOrderId);
    return (
      await this.transport.send({
        operation: 'get-payment-order',
        method: 'GET',
        target: paymentOrderId,
        schema: PaymentOrderResponse,
      })
    ).data;
  }

  /** POST a capture through the order's `capture` operation. */
  async capture(paymentOrderId: string, input: MoneyTransactionInput): Promise<PostPurchaseAnswer> {
    return this.#postPurchase(paymentOrderId, 'capture', buildCaptureRequest(input));
  }

  /** POST a cancellation of everything still authorized through the `cancel` operation. */
  async cancel(paymentOrderId: string, input: CancelInput): Promise<PostPurchaseAnswer> {
    return this.#postPurchase(paymentOrderId, 'cancellation', buildCancelRequest(input));
  }

  /** POST a reversal through the `reversal` operation; it may be answered 202 and settle later. */
  async reverse(paymentOrderId: string, input: MoneyTransactionInput): Promise<PostPurchaseAnswer> {
    return this.#postPurchase(paymentOrderId, 'reversal', buildReversalRequest(input));
  }

  /** PATCH abort through the order's `abort` operation (offered only before the payer has paid). */
  async abort(paymentOrderId: string): Promise<PaymentOrderResponse> {
    const body = buildAbortRequest();
    const operation = await this.#operation(paymentOrderId, PAYMENT_ORDER_ABORT_REL);
    const target = {
      operation: 'abort-payment-order',
      method: operation.method,
      target: operation.href,
      body,
      schema: PaymentOrderResponse,
    };
    return (await this.transport.send(target)).data;
  }

  /** Every financial transaction of the order (captures, cancellations, reversals, the sale). */
  async financialTransactions(resource: PaymentOrderResponse): Promise<FinancialTransaction[]> {
    const order = resource.paymentOrder;
    const target = linkOf(order, order.financialTransactions, 'financialtransactions');
    const { data } = await this.transport.send({
      operation: 'list-financial-transactions',
      method: 'GET',
      target,
      schema: FinancialTransactionsResponse,
    });
    return data.financialTransactions.financialTransactionsList;
  }

  /** The transaction of this kind with this payeeReference, if Swedbank Pay has one. */
  async findTransaction(
    resource: PaymentOrderResponse,
    kind: PaymentOrderTransactionKind,
    payeeReference: string,
  ): Promise<FinancialTransaction | undefined> {
    return transactionIn(await this.financialTransactions(resource), kind, payeeReference);
  }

  /** Failed capture, cancellation and reversal attempts (a declined one, an asynchronous one that failed). */
  async failedAttempts(resource: PaymentOrderResponse): Promise<PostPurchaseFailedAttempt[]> {
    const order = resource.paymentOrder;
    const read = async (target: string) => {
      const { data } = await this.transport.send({
        operation: 'list-failed-attempts',
        method: 'GET',
        target,
        schema: PostPurchaseFailedAttemptsResponse,
      });
      return data.postPurchaseFailedAttempts.list;
    };
    const target = linkOf(order, order.postPurchaseFailedAttempts, 'postpurchasefailedattempts');
    try {
      return await read(target);
    } catch (err) {
      // The portal spells the resource's id (the link) one way and documents its GET the other: a 404
      // on one spelling reads the other.
      const other = otherAttemptsSpelling(target);
      if (other && err instanceof ProblemError && err.status === 404) return read(other);
      throw err;
    }
  }

  /** How the payer paid: Authorization (to capture) or Sale (one-phase), the method, the tokens created. */
  async paid(resource: PaymentOrderResponse): Promise<PaidResponse['paid']> {
    const order = resource.paymentOrder;
    const target = linkOf(order, order.paid, 'paid');
    const { data } = await this.transport.send({ operation: 'get-paid', method: 'GET', target, schema: PaidResponse });
    return data.paid;
  }

  /** Why a Failed payment order failed, as one sentence. */
  async failureReason(resource: PaymentOrderResponse): Promise<string> {
    const order = resource.paymentOrder;
    const target = linkOf(order, order.failed, 'failed');
    const { data } = await this.transport.send({
      operation: 'get-failed',
      method: 'GET',
      target,
      schema: FailedResponse,
    });
    return problemSentence(data.failed.problem);
  }

  /** The tokens the payment created, of one type or all, as types this library names. */
  async tokens(paymentOrderId: string, type?: TokenType): Promise<PaymentOrderToken[]> {
    const paid = await this.paid(await this.get(paymentOrderId));
    const tokens: PaymentOrderToken[] = [];
    for (const t of paid.tokens) {
      const known = PAID_TOKEN_TYPE[t.type.toLowerCase()];
      if (known && (type === undefined || known === type)) tokens.push({ type: known, token: t.token });
    }
    return tokens;
  }

  /**
   * PATCH a token to Deleted. A token Swedbank Pay reports inactive (422) is deleted already: an
   * earlier attempt whose answer was lost did it.
   */
  async deleteToken(token: PaymentOrderToken, comment: string): Promise<'deleted' | 'already-deleted'> {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(token.token)) {
      throw new InvalidRequestError('delete-token', [{ path: 'token', message: 'not a token' }]);
    }
    const segment = TOKEN_SEGMENT[token.type];
    const body = buildDeleteTokenRequest(comment);
    try {
      await this.transport.send({
        operation: 'delete-token',
        method: 'PATCH',
        target: `/psp/paymentorders/${segment}/${token.token}`,
        shownPath: `/psp/paymentorders/${segment}/…${token.token.slice(-4)}`,
        body,
        schema: TokenDeletionResponse,
        answerOptional: true,
      });
      return 'deleted';
    } catch (err) {
      if (err instanceof ProblemError && err.status === 422 && /tokeninactive/i.test(err.type))
        return 'already-deleted';
      throw err;
    }
  }

  async #postPurchase(
    paymentOrderId: string,
    kind: PaymentOrderTransactionKind,
    body: unknown,
  ): Promise<PostPurchaseAnswer> {
    const operation = await this.#operation(paymentOrderId, PAYMENT_ORDER_REL[kind]);
    const { status, data } = await this.transport.send({
      operation: `create-${kind}`,
      method: operation.method,
      target: operation.href,
      body,
      schema: z.unknown(),
    });
    // Taken either way (a refusal is a problem, not a 2xx); only what it says about the order may be missing.
    const answered = PaymentOrderResponse.safeParse(data);
    return { accepted: status === 202, ...(answered.success && { resource: answered.data }) };
  }

  async #operation(paymentOrderId: string, rel: string) {
    const { paymentOrder, operations } = await this.get(paymentOrderId);
    const operation = operations.find((o) => o.rel === rel);
    if (!operation) {
      throw new OperationNotAvailableError(
        paymentOrderId,
        rel,
        paymentOrder.status,
        operations.map((o) => o.rel),
      );
    }
    return operation;
  }
}
