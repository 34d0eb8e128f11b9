/**
 * Helpers for the emulator tests: real HTTP on loopback with global fetch, typed views of the
 * admin API's answers, and a bounded poll. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { startEmulator, type EmulatorOptions, type LedgerEntry, type RunningEmulator } from '../src/emulator/index.js';
import { problemType, type ProblemKind } from '../src/swedbank/problem-types.js';
import { PaymentResponse, Problem } from '../src/swedbank/schemas.js';

export { eventually } from './harness.js';

export interface Ledger {
  payeeId: string;
  payments: LedgerEntry[];
}

export interface NewPaymentFields {
  instrument?: 'creditcard' | 'invoice';
  amount?: number;
  vatAmount?: number;
  currency?: string;
  callbackUrl?: string;
  paymentToken?: string;
  description?: string;
}

export class EmulatorHarness {
  private referenceCounter = 0;

  private constructor(
    readonly emulator: RunningEmulator,
    readonly token: string | undefined,
  ) {}

  static async start(options: EmulatorOptions = {}): Promise<EmulatorHarness> {
    return new EmulatorHarness(await startEmulator(options), options.token);
  }

  get baseUrl(): string {
    return this.emulator.baseUrl;
  }

  /** A payeeReference never used before in this emulator ([A-Za-z0-9], <= 30 characters). */
  reference(): string {
    this.referenceCounter += 1;
    return `T${process.pid}N${this.referenceCounter}`;
  }

  /** A Swedbank Pay API request with the bearer token (a JSON body when given). */
  psp(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      ...init,
    });
  }

  async admin(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async adminOk(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.admin(method, path, body);
    const json: unknown = await response.json();
    assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  }

  /** An authorized payment via the admin API, parsed as Swedbank Pay's payment resource. */
  async createPayment(fields: NewPaymentFields = {}): Promise<PaymentResponse> {
    const response = await this.admin('POST', '/payments', {
      instrument: 'creditcard',
      amount: 10_000,
      vatAmount: 2_000,
      currency: 'SEK',
      ...fields,
    });
    assert.equal(response.status, 201);
    return PaymentResponse.parse(await response.json());
  }

  async getPayment(paymentId: string): Promise<PaymentResponse> {
    const response = await this.psp('GET', paymentId);
    assert.equal(response.status, 200);
    return PaymentResponse.parse(await response.json());
  }

  async ledger(): Promise<Ledger> {
    return (await this.adminOk('GET', '/ledger')) as Ledger;
  }

  async ledgerEntry(paymentId: string): Promise<LedgerEntry> {
    const entry = (await this.ledger()).payments.find((payment) => payment.id === paymentId);
    assert.ok(entry, `payment ${paymentId} is in the ledger`);
    return entry;
  }

  cardCapture(amount: number, vatAmount = 0, payeeReference = this.reference()) {
    return { transaction: { amount, vatAmount, description: 'Test Capture', payeeReference } };
  }

  /** Asserts a problem+json answer of the given kind and status; returns the parsed problem. */
  async expectProblem(response: Response, kind: ProblemKind, status: number): Promise<Problem> {
    const text = await response.text();
    assert.equal(response.status, status, `expected ${status} ${kind}, got ${response.status}: ${text}`);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = Problem.parse(JSON.parse(text));
    assert.equal(problem.type, problemType(this.baseUrl, kind));
    assert.equal(problem.status, status);
    return problem;
  }

  close(): Promise<void> {
    return this.emulator.close();
  }
}

export function operationRels(payment: PaymentResponse): string[] {
  return payment.operations.map((operation) => operation.rel).sort();
}

// ---- Payment Order v3.1 ----

export const V31_JSON = 'application/json;version=3.1';

/** The order as the emulator answers it; the fields the tests read. */
export interface OrderBody {
  paymentOrder: {
    id: string;
    status: string;
    amount: number;
    remainingCaptureAmount?: number;
    remainingCancellationAmount?: number;
    remainingReversalAmount?: number;
    initiatingSystemUserAgent: string;
    [field: string]: unknown;
  };
  operations: { method: string; href: string; rel: string; contentType: string }[];
}

export interface OrderProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  problems: { name: string; description: string }[];
}

/** A /psp/paymentorders request; POST and PATCH carry `version=3.1` unless `contentType` says otherwise. */
export function poRequest(
  harness: EmulatorHarness,
  method: string,
  path: string,
  body?: unknown,
  contentType = V31_JSON,
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': contentType, accept: V31_JSON };
  if (harness.token !== undefined) headers.authorization = `Bearer ${harness.token}`;
  return fetch(`${harness.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function expectOrder(response: Response, status = 200): Promise<OrderBody> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get('content-type') ?? '', /version=3\.1/);
  return JSON.parse(text) as OrderBody;
}

/** A problem whose type ends in `typeSuffix` (e.g. `paymentorders/inputerror`). */
export async function expectOrderProblem(
  response: Response,
  status: number,
  typeSuffix: string,
): Promise<OrderProblemBody> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = JSON.parse(text) as OrderProblemBody;
  assert.equal(problem.type, `https://api.payex.com/psp/errordetail/${typeSuffix}`);
  assert.equal(problem.status, status);
  return problem;
}

export function orderRels(order: OrderBody): string[] {
  return order.operations.map((operation) => operation.rel).sort();
}

/** The href of an offered operation (hypermedia: clients follow it rather than build URLs). */
export function orderHref(order: OrderBody, rel: string): string {
  const operation = order.operations.find((candidate) => candidate.rel === rel);
  assert.ok(operation, `operation ${rel} offered; offered: ${orderRels(order).join(', ')}`);
  return new URL(operation.href).pathname;
}
