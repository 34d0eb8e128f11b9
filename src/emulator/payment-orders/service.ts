/**
 * Payment orders with their side effects: the outcome rules decide each post-purchase operation
 * (declined, or for a reversal asynchronous: settled by a timer or the admin API), and every
 * change that creates a transaction calls back in the v3.1 format through the shared dispatcher.
 */
import type { CallbackDispatcher, PaymentOrderCallbackWireBody } from '../callbacks.js';
import { DEFAULT_FAILED_REASON, type TransactionOutcomes, type TransactionPlan } from '../outcomes.js';
import {
  orderPath,
  type NewPaymentOrder,
  type OrderChange,
  type OrderTransaction,
  type PayeeReferenceRegistry,
  type PostPurchaseRequest,
  type StoredPaymentOrder,
} from './model.js';
import { ok, type OrderResult } from './problems.js';
import { PaymentOrderStore } from './store.js';

/** A post-purchase answer: `accepted` means 202 (an asynchronous reversal, not visible yet). */
export interface PostPurchaseOutcome extends OrderChange {
  accepted: boolean;
}

export function callbackBody(order: StoredPaymentOrder, transaction: OrderTransaction): PaymentOrderCallbackWireBody {
  return {
    ...(order.orderReference !== undefined && { orderReference: order.orderReference }),
    paymentOrder: { id: orderPath(order), instrument: order.instrument, number: transaction.number },
  };
}

export class PaymentOrders {
  readonly store: PaymentOrderStore;

  constructor(
    registry: PayeeReferenceRegistry,
    private readonly outcomes: TransactionOutcomes,
    private readonly callbacks: CallbackDispatcher,
  ) {
    this.store = new PaymentOrderStore(registry);
  }

  reset(): void {
    this.store.reset();
  }

  /** A new order; paid at once unless `paid` is false (then Initialized, no callback yet). */
  create(input: NewPaymentOrder, paid: boolean): OrderResult<StoredPaymentOrder> {
    const created = this.store.create(input);
    if (!created.ok || !paid) return created;
    const payment = this.pay(created.value.id);
    return payment.ok ? ok(created.value) : payment;
  }

  pay(orderId: string, amount?: number): OrderResult<OrderChange> {
    return this.notifyOnSuccess(this.store.pay(orderId, amount));
  }

  failAttempt(orderId: string, reason: string, final: boolean): OrderResult<OrderChange> {
    return this.notifyOnSuccess(this.store.failAttempt(orderId, reason, final));
  }

  payerAbort(orderId: string): OrderResult<OrderChange> {
    return this.notifyOnSuccess(this.store.payerAbort(orderId));
  }

  /**
   * A capture, cancellation or reversal. An asynchronous outcome rule (delayMs) applies to
   * reversals only, as the portal documents; captures and cancellations take the rule's outcome at once.
   */
  postPurchase(orderId: string, request: PostPurchaseRequest): OrderResult<PostPurchaseOutcome> {
    const done = this.store.postPurchase(orderId, request, () => this.plan(request.type));
    if (!done.ok) return done;
    const { order, transaction, plan } = done.value;
    if (plan.state !== 'Initialized') {
      this.notify(order, transaction);
      return ok({ order, transaction, accepted: false });
    }
    const { outcome, failedReason, settleAfterMs } = plan;
    if (settleAfterMs !== null) {
      this.outcomes.arm(transaction.id, settleAfterMs, () => this.settle(transaction.id, outcome, failedReason));
    }
    return ok({ order, transaction, accepted: true });
  }

  ownsTransaction(transactionId: string): boolean {
    return this.store.findTransaction(transactionId) !== undefined;
  }

  /** Settles a pending reversal now (timer or admin API); the callback follows either way. */
  settle(transactionId: string, outcome: 'Completed' | 'Failed', failedReason?: string): OrderResult<OrderChange> {
    const settled = this.store.settle(transactionId, outcome, failedReason ?? DEFAULT_FAILED_REASON);
    if (settled.ok) this.outcomes.disarm(transactionId);
    return this.notifyOnSuccess(settled);
  }

  private plan(type: PostPurchaseRequest['type']): TransactionPlan {
    const plan = this.outcomes.plan('paymentorder', type);
    if (plan.state !== 'Initialized' || type === 'Reversal') return plan;
    return plan.outcome === 'Completed'
      ? { state: 'Completed' }
      : { state: 'Failed', failedReason: plan.failedReason ?? DEFAULT_FAILED_REASON };
  }

  private notifyOnSuccess<T extends OrderChange>(result: OrderResult<T>): OrderResult<T> {
    if (result.ok) this.notify(result.value.order, result.value.transaction);
    return result;
  }

  private notify(order: StoredPaymentOrder, transaction: OrderTransaction): void {
    if (order.callbackUrl === undefined) return;
    this.callbacks.send(order.callbackUrl, callbackBody(order, transaction), 'paymentorder');
  }
}
