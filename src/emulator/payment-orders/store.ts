/**
 * Payment orders in memory and the rules that change them, without I/O: the payer's attempts, the
 * merchant's post-purchase operations (in Swedbank Pay's rule order), asynchronous settlement and
 * the lock after 5 consecutive failures. Tokens live in a registry of their own; payeeReferences
 * are unique across the whole payee, so that registry is shared with the legacy payments.
 */
import { randomUUID } from 'node:crypto';
import { CONSECUTIVE_FAILURES_BEFORE_LOCK } from '../store.js';
import { historyName, payerEvent } from './history.js';
import {
  offeredOperations,
  orderStatus,
  orderTotals,
  type NewPaymentOrder,
  type OrderChange,
  type OrderTransaction,
  type PayeeReferenceRegistry,
  type PostPurchasePlan,
  type PostPurchaseRequest,
  type PostPurchaseType,
  type StoredPaymentOrder,
} from './model.js';
import {
  declineProblem,
  forbidden,
  inputError,
  ok,
  orderNotFound,
  payerProblem,
  refuse,
  type OrderProblem,
  type OrderResult,
} from './problems.js';
import { ONE_PHASE_INSTRUMENTS } from './schemas.js';
import { alreadyUsed, checkAmount, notOffered, proportionalVat } from './rules.js';
import { newTokens, TokenRegistry } from './tokens.js';

const FIRST_NUMBER = 70_000_000_001;
const REL_OF: Record<PostPurchaseType, 'capture' | 'cancel' | 'reversal'> = {
  Capture: 'capture',
  Cancellation: 'cancel',
  Reversal: 'reversal',
};

export class PaymentOrderStore {
  private orders = new Map<string, StoredPaymentOrder>();
  private owners = new Map<string, string>();
  readonly tokens = new TokenRegistry();
  private nextNumber = FIRST_NUMBER;

  constructor(
    private readonly registry: PayeeReferenceRegistry,
    private readonly now: () => Date = () => new Date(),
  ) {}

  reset(): void {
    this.orders = new Map();
    this.owners = new Map();
    this.tokens.reset();
    this.nextNumber = FIRST_NUMBER;
  }

  order(orderId: string): StoredPaymentOrder | undefined {
    return this.orders.get(orderId);
  }

  all(): StoredPaymentOrder[] {
    return [...this.orders.values()];
  }

  findTransaction(transactionId: string): OrderChange | undefined {
    const order = this.orders.get(this.owners.get(transactionId) ?? '');
    const transaction = order?.transactions.find((t) => t.id === transactionId);
    return order && transaction ? { order, transaction } : undefined;
  }

  create(input: NewPaymentOrder): OrderResult<StoredPaymentOrder> {
    const payeeReference = input.payeeReference ?? `PO${this.nextNumber}`;
    if (this.registry.isPayeeReferenceUsed(payeeReference)) return refuse(alreadyUsed('PayeeReference'));
    const timestamp = this.timestamp();
    const order: StoredPaymentOrder = {
      ...input,
      id: randomUUID(),
      number: this.takeNumber(),
      created: timestamp,
      updated: timestamp,
      paymentType: ONE_PHASE_INSTRUMENTS.includes(input.instrument) ? 'Sale' : 'Authorization',
      payeeReference,
      tokenTypes: input.tokens,
      tokens: [],
      consecutiveFailures: 0,
      locked: false,
      transactions: [],
      history: [{ created: timestamp, name: 'PaymentCreated', initiatedBy: 'Payee' }],
    };
    this.orders.set(order.id, order);
    this.registry.claimPayeeReference(payeeReference, order.id);
    return ok(order);
  }

  /** The payer pays (for `amount`, default the order's): an Authorization or, one-phase, a Sale. */
  pay(orderId: string, amount?: number): OrderResult<OrderChange> {
    const found = this.payable(orderId);
    if (!found.ok) return found;
    const order = found.value;
    const paid = amount ?? order.amount;
    if (paid > order.amount) {
      return refuse(inputError(`The payer cannot pay ${paid}, more than the order's ${order.amount}`, []));
    }
    const transaction = this.payerAttempt(order, 'Completed', paid, proportionalVat(order, paid));
    order.tokens.push(...newTokens(order));
    this.tokens.add(order.tokens);
    return ok({ order, transaction });
  }

  /** A failed payer attempt; `final` makes the whole order Failed. */
  failAttempt(orderId: string, reason: string, final: boolean): OrderResult<OrderChange> {
    const found = this.payable(orderId);
    if (!found.ok) return found;
    const order = found.value;
    const transaction = this.payerAttempt(order, 'Failed', order.amount, order.vatAmount, payerProblem(order, reason));
    if (final) order.failed = transaction.problem;
    return ok({ order, transaction });
  }

  /** The payer cancels on the payment page: an Aborted attempt, and the order is Aborted. */
  payerAbort(orderId: string): OrderResult<OrderChange> {
    const found = this.payable(orderId);
    if (!found.ok) return found;
    const order = found.value;
    const problem = payerProblem(order, 'UserCancelled-CANCELED', true);
    const transaction = this.payerAttempt(order, 'Failed', order.amount, order.vatAmount, problem, true);
    order.abortReason = 'Payment aborted by payer';
    return ok({ order, transaction });
  }

  /** The merchant's abort (PATCH), only while `abort` is offered. */
  abort(orderId: string, reason: string): OrderResult<StoredPaymentOrder> {
    const order = this.orders.get(orderId);
    if (!order) return refuse(orderNotFound(orderId));
    if (!offeredOperations(order).abort) return refuse(notOffered('abort', order));
    order.abortReason = reason;
    order.updated = this.timestamp();
    return ok(order);
  }

  updateOrder(orderId: string, amount: number, vatAmount: number): OrderResult<StoredPaymentOrder> {
    const order = this.orders.get(orderId);
    if (!order) return refuse(orderNotFound(orderId));
    if (!offeredOperations(order).updateOrder) return refuse(notOffered('update-order', order));
    order.amount = amount;
    order.vatAmount = vatAmount;
    order.updated = this.timestamp();
    return ok(order);
  }

  /**
   * A capture, cancellation or reversal. payeeReference reuse comes first, so a retry of a committed
   * request always hears "already used"; `decide` runs only once every rule passed.
   */
  postPurchase<P extends PostPurchasePlan>(
    orderId: string,
    request: PostPurchaseRequest,
    decide: () => P,
  ): OrderResult<OrderChange & { plan: P }> {
    const order = this.orders.get(orderId);
    if (!order) return refuse(orderNotFound(orderId));
    if (this.registry.isPayeeReferenceUsed(request.payeeReference)) {
      return refuse(alreadyUsed('Transaction.PayeeReference'));
    }
    if (!offeredOperations(order)[REL_OF[request.type]]) return refuse(notOffered(REL_OF[request.type], order));
    const tooMuch = checkAmount(order, request);
    if (tooMuch) {
      this.countFailure(order);
      return refuse(tooMuch);
    }
    const plan = decide();
    const amount = request.type === 'Cancellation' ? orderTotals(order).remainingCancellationAmount : request.amount;
    const transaction = this.addTransaction(order, {
      ...request,
      type: request.type,
      state: plan.state,
      amount,
      vatAmount: request.type === 'Cancellation' ? proportionalVat(order, amount) : request.vatAmount,
    });
    if (plan.state === 'Failed') transaction.problem = declineProblem(order, request.type, plan.failedReason);
    this.recordOutcome(order, transaction);
    return ok({ order, transaction, plan });
  }

  /** Settles a pending (asynchronous) transaction. */
  settle(transactionId: string, outcome: 'Completed' | 'Failed', failedReason: string): OrderResult<OrderChange> {
    const found = this.findTransaction(transactionId);
    if (!found) return refuse(inputError(`No transaction with id ${transactionId}`, [], 404));
    const { order, transaction } = found;
    if (transaction.state !== 'Initialized') {
      return refuse({ ...forbidden(`Transaction ${transactionId} is already ${transaction.state}`), status: 409 });
    }
    transaction.state = outcome;
    transaction.updated = this.timestamp();
    order.updated = transaction.updated;
    if (outcome === 'Failed') transaction.problem = declineProblem(order, transaction.type, failedReason);
    this.recordOutcome(order, transaction);
    return ok(found);
  }

  private payable(orderId: string): OrderResult<StoredPaymentOrder> {
    const order = this.orders.get(orderId);
    if (!order) return refuse(orderNotFound(orderId));
    const status = orderStatus(order);
    if (status !== 'Initialized') return refuse(forbidden(`The payment order is ${status}; the payer cannot pay it`));
    return ok(order);
  }

  private payerAttempt(
    order: StoredPaymentOrder,
    state: 'Completed' | 'Failed',
    amount: number,
    vatAmount: number,
    problem?: OrderProblem,
    payerAborted?: boolean,
  ): OrderTransaction {
    const transaction = this.addTransaction(order, {
      type: order.paymentType,
      state,
      amount,
      vatAmount,
      description: order.description,
      payeeReference: order.payeeReference,
      ...(payerAborted && { payerAborted }),
    });
    if (problem) transaction.problem = problem;
    order.history.push(payerEvent(order, transaction));
    return transaction;
  }

  /** History, and the consecutive-failure counter of captures and reversals. */
  private recordOutcome(order: StoredPaymentOrder, transaction: OrderTransaction): void {
    if (transaction.state === 'Initialized') return;
    order.history.push({
      created: transaction.updated,
      name: historyName(order, transaction),
      instrument: order.instrument,
      number: transaction.number,
      amount: transaction.amount,
      initiatedBy: 'Payee',
    });
    if (transaction.type !== 'Capture' && transaction.type !== 'Reversal') return;
    if (transaction.state === 'Completed') order.consecutiveFailures = 0;
    else this.countFailure(order);
  }

  private countFailure(order: StoredPaymentOrder): void {
    order.consecutiveFailures += 1;
    if (order.consecutiveFailures >= CONSECUTIVE_FAILURES_BEFORE_LOCK) order.locked = true;
  }

  private addTransaction(
    order: StoredPaymentOrder,
    fields: Omit<OrderTransaction, 'id' | 'number' | 'created' | 'updated'>,
  ): OrderTransaction {
    const timestamp = this.timestamp();
    const transaction: OrderTransaction = {
      ...fields,
      id: randomUUID(),
      number: this.takeNumber(),
      created: timestamp,
      updated: timestamp,
    };
    order.transactions.push(transaction);
    order.updated = timestamp;
    this.owners.set(transaction.id, order.id);
    if (transaction.payeeReference !== order.payeeReference) {
      this.registry.claimPayeeReference(transaction.payeeReference, order.id, transaction.id);
    }
    return transaction;
  }

  private takeNumber(): number {
    return this.nextNumber++;
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}
