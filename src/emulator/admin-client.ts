/**
 * A typed client for the emulator's admin API (/_emulator): what tests, the demo and users' own CI
 * use to create payments (authorized, or awaiting the payer's authorization), authorize or decline
 * them, inject faults, steer asynchronous outcomes and read the ledger
 * for reconciliation.
 */
import type { z } from 'zod';
import type {
  AnyCallbackLogEntry,
  CallbackFaultRuleInput,
  CallbackLogEntry,
  PaymentOrderCallbackLogEntry,
} from './callbacks.js';
import type { AuthorizationChange, CreatePaymentInput } from './admin.js';
import type { FaultRule, FaultRuleInput } from './faults.js';
import type { LedgerEntry, PaymentOrderLedgerEntry } from './ledger.js';
import type { OutcomeRuleInput } from './outcomes.js';
import type { PaymentOrderResponse } from './payment-orders/resources.js';
import type { CreatePaymentOrderInput } from './payment-orders/schemas.js';
import type { PaymentResponse } from '../swedbank/schemas.js';

export class EmulatorAdminError extends Error {
  override name = 'EmulatorAdminError';
  constructor(
    readonly status: number,
    what: string,
    body: string,
  ) {
    super(`emulator admin ${what} -> ${status}: ${body.slice(0, 500)}`);
  }
}

export class EmulatorAdmin {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = new URL(baseUrl).origin;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new EmulatorAdminError(response.status, `${method} ${path}`, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * An authorized payment, or with `awaitingAuthorization: true` one the payer has not authorized
   * yet (Ready, only update-payment-abort offered); returns Swedbank Pay's payment resource for it.
   */
  createPayment(input: CreatePaymentInput): Promise<PaymentResponse> {
    return this.#call('POST', '/payments', input);
  }

  /**
   * The payer authorizes a payment that awaits it, for its amount or `amount` (a partial
   * authorization); a callback follows, with the callback faults in force.
   */
  authorizePayment(paymentId: string, options: { amount?: number } = {}): Promise<AuthorizationChange> {
    return this.#call('POST', '/payments/authorize', { paymentId, ...options });
  }

  /**
   * The payer's authorization is declined; with `final: false` only this attempt (the payment stays
   * Ready and may still be authorized), else the payment is Failed. A callback follows.
   */
  failAuthorization(
    paymentId: string,
    options: { failedReason?: string; final?: boolean } = {},
  ): Promise<AuthorizationChange> {
    return this.#call('POST', '/payments/fail-authorization', { paymentId, ...options });
  }

  /**
   * A Payment Order v3.1, paid by the payer at once unless `paid: false` (then Initialized): an
   * Authorization, or a Sale for Swish and Trustly; `tokens` are generated on payment. Returns the
   * order as GET /psp/paymentorders/{id} shows it.
   */
  createPaymentOrder(input: CreatePaymentOrderInput): Promise<PaymentOrderResponse> {
    return this.#call('POST', '/paymentorders', input);
  }

  /** The payer pays an Initialized order (for its amount or `amount`); a callback follows. */
  payPaymentOrder(paymentOrderId: string, options: { amount?: number } = {}): Promise<PaymentOrderResponse> {
    return this.#call('POST', '/paymentorders/pay', { paymentOrderId, ...options });
  }

  /** A failed payer attempt (failedAttempts); with `final: true` the order is Failed. A callback follows. */
  failPaymentOrder(
    paymentOrderId: string,
    options: { reason?: string; final?: boolean } = {},
  ): Promise<PaymentOrderResponse> {
    return this.#call('POST', '/paymentorders/fail', { paymentOrderId, ...options });
  }

  /** The payer cancels on the payment page: the order is Aborted. A callback follows. */
  payerAbortPaymentOrder(paymentOrderId: string): Promise<PaymentOrderResponse> {
    return this.#call('POST', '/paymentorders/payer-abort', { paymentOrderId });
  }

  /** The request fault rules with how often each fired (a `latency` rule of 0 ms only counts what it matches). */
  faults(): Promise<{ seed: number; rules: (z.output<typeof FaultRule> & { fired: number })[] }> {
    return this.#call('GET', '/faults');
  }

  setFaults(rules: FaultRuleInput[], seed?: number): Promise<unknown> {
    return this.#call('PUT', '/faults', seed === undefined ? { rules } : { seed, rules });
  }

  clearFaults(): Promise<unknown> {
    return this.#call('DELETE', '/faults');
  }

  /** Asynchronous (Initialized, settled later) or declined outcomes of new transactions. */
  setOutcomes(rules: OutcomeRuleInput[]): Promise<unknown> {
    return this.#call('PUT', '/async', { rules });
  }

  setCallbackFaults(rules: CallbackFaultRuleInput[]): Promise<unknown> {
    return this.#call('PUT', '/callback-faults', { rules });
  }

  /** Settles an Initialized transaction now (a pending payment order reversal too: its ledger id or uuid). */
  completeTransaction(transactionId: string, outcome: 'Completed' | 'Failed', failedReason?: string): Promise<unknown> {
    return this.#call('POST', '/transactions/complete', {
      transactionId,
      outcome,
      ...(failedReason !== undefined && { failedReason }),
    });
  }

  /** Every payment with every transaction and its totals. */
  async ledger(): Promise<LedgerEntry[]> {
    return (await this.#call<{ payments: LedgerEntry[] }>('GET', '/ledger')).payments;
  }

  async payment(paymentId: string): Promise<LedgerEntry> {
    const found = (await this.ledger()).find((p) => p.id === paymentId);
    if (!found) throw new EmulatorAdminError(404, `ledger of ${paymentId}`, 'no such payment');
    return found;
  }

  /** A payment order's ledger entry, by `/psp/paymentorders/<id>` or the bare id. */
  async paymentOrder(paymentOrderId: string): Promise<PaymentOrderLedgerEntry> {
    const id = `/psp/paymentorders/${paymentOrderId.split('/').pop() ?? ''}`;
    const found = (await this.ledger()).find((p) => p.id === id);
    if (found?.instrument !== 'paymentorder') {
      throw new EmulatorAdminError(404, `ledger of ${paymentOrderId}`, 'no such payment order');
    }
    return found as PaymentOrderLedgerEntry;
  }

  /** The callback log of legacy payments. */
  async callbacks(): Promise<CallbackLogEntry[]> {
    return (await this.#allCallbacks()).filter((entry): entry is CallbackLogEntry => entry.resource !== 'paymentorder');
  }

  /** The callback log of payment orders (v3.1 bodies). */
  async paymentOrderCallbacks(): Promise<PaymentOrderCallbackLogEntry[]> {
    return (await this.#allCallbacks()).filter(
      (entry): entry is PaymentOrderCallbackLogEntry => entry.resource === 'paymentorder',
    );
  }

  async #allCallbacks(): Promise<AnyCallbackLogEntry[]> {
    return (await this.#call<{ callbacks: AnyCallbackLogEntry[] }>('GET', '/callbacks')).callbacks;
  }

  reset(): Promise<unknown> {
    return this.#call('POST', '/reset');
  }
}
