/**
 * A typed client for the emulator's admin API (/_emulator): what tests, the demo and users' own CI
 * use to create payments (authorized, or awaiting the payer's authorization), authorize or decline
 * them, inject faults, steer asynchronous outcomes and read the ledger
 * for reconciliation.
 */
import fetch from 'node-fetch';
import type { z } from 'zod';
import type { CallbackFaultRuleInput, CallbackLogEntry } from './callbacks.js';
import type { AuthorizationChange, CreatePaymentInput } from './admin.js';
import type { FaultRule, FaultRuleInput } from './faults.js';
import type { OutcomeRuleInput } from './outcomes.js';
import type { LedgerEntry } from './resources.js';
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

  /** Settles an Initialized transaction now. */
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

  async callbacks(): Promise<CallbackLogEntry[]> {
    return (await this.#call<{ callbacks: CallbackLogEntry[] }>('GET', '/callbacks')).callbacks;
  }

  reset(): Promise<unknown> {
    return this.#call('POST', '/reset');
  }
}
