/**
 * The Swedbank Pay client the activities use: Node's HTTP client with keep-alive, a bearer token, a timeout
 * on every request, zod-validated responses and typed errors. One attempt per call: retrying (and
 * looking a transaction up by payeeReference before re-sending) is the caller's decision.
 *
 * Operations are found the documented way: GET the payment, follow the operation with the wanted
 * `rel`; an absent rel means "not allowed now" and nothing is sent.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { z } from 'zod';
import {
  isPayeeReferenceAlreadyUsed,
  OperationNotAvailableError,
  PayeeReferenceAlreadyUsedError,
  ProblemError,
  RateLimitedError,
  TransportError,
  UnexpectedResponseError,
  type RequestContext,
} from './errors.js';
import { AnswerTooLargeError, exchange, type HttpAnswer } from './http-exchange.js';
import { PaymentOrderClient } from './payment-orders/client.js';
import { redact } from './redact.js';
import type { Method, TransportRequest } from './transport.js';
import {
  buildAbortRequest,
  buildCancellationRequest,
  buildCaptureRequest,
  buildDeleteTokenRequest,
  buildReversalRequest,
  type CancellationInput,
  type CaptureInput,
  type DeleteTokenInput,
  type ReversalInput,
} from './requests.js';
import {
  ABORT_REL,
  CREATE_REL,
  ENVIRONMENTS,
  instrumentOf,
  isTransactionId,
  transactionListPath,
  type TransactionKind,
} from './resources.js';
import {
  AuthorizationListResponse,
  CancellationListResponse,
  CancellationResponse,
  CaptureListResponse,
  CaptureResponse,
  InstrumentDataResponse,
  PaymentResponse,
  Problem,
  ReversalListResponse,
  ReversalResponse,
  TransactionListResponse,
  TransactionResponse,
  type Transaction,
  type TransactionEntry,
} from './schemas.js';

export interface SwedbankPayClientOptions {
  /** The merchant's bearer token. Never logged, never in an error. */
  token: string;
  /** API origin; defaults to the external integration (test) environment. */
  baseUrl?: string;
  /** Per request, connect to last byte. Default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
}

const ACCEPT = 'application/problem+json; q=1.0, application/json; q=0.9';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Node's timers hold at most 2^31-1 ms; anything longer fires at once. Ten minutes is plenty for one request. */
export const MAX_TIMEOUT_MS = 600_000;

function isTimeout(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= 1 && ms <= MAX_TIMEOUT_MS;
}

/** One request to Swedbank Pay as it ended: for metrics and logs (no body, no token). */
export interface SwedbankPayRequestRecord {
  /** What was asked: `get-payment`, `create-capture`, `list-captures`, `get-transaction`, `delete-token`, … */
  operation: string;
  method: Method;
  /** The path as errors show it (a card token masked). */
  path: string;
  /** The HTTP status, or how the request ended without one. */
  status: number | 'timeout' | 'cancelled' | 'network';
  durationMs: number;
}

/** Told of every request the client made, when it ends. */
export type SwedbankPayRequestObserver = (request: SwedbankPayRequestRecord) => void;

/** Spans of the requests to Swedbank Pay; a no-op unless the process registered an OpenTelemetry SDK. */
const tracer = trace.getTracer('swedbank-pay-temporal');

interface Shared {
  agent: HttpAgent | HttpsAgent;
  cancellation?: AbortSignal;
  observer?: SwedbankPayRequestObserver;
}

export class SwedbankPayClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #token: string;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #userAgent: string;
  readonly #options: SwedbankPayClientOptions;
  readonly #cancellation: AbortSignal | undefined;
  readonly #observer: SwedbankPayRequestObserver | undefined;

  constructor(options: SwedbankPayClientOptions, shared?: Shared) {
    if (!options.token) throw new TypeError('SwedbankPayClient needs a bearer token');
    if (options.timeoutMs !== undefined && !isTimeout(options.timeoutMs)) {
      throw new RangeError(`timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
    }
    const base = new URL(options.baseUrl ?? ENVIRONMENTS.test);
    this.baseUrl = base.origin;
    this.#token = options.token;
    this.#options = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#userAgent = options.userAgent ?? 'swedbank-pay-temporal';
    this.#agent =
      shared?.agent ??
      (base.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true }));
    this.#cancellation = shared?.cancellation;
    this.#observer = shared?.observer;
  }

  /**
   * The same client (same connections), whose requests also stop when `signal` aborts: an activity
   * passes its cancellation signal, so a worker shutting down does not wait out a slow request. A
   * request stopped this way has an unknown outcome, like a timeout.
   */
  withCancellation(signal: AbortSignal): SwedbankPayClient {
    return new SwedbankPayClient(this.#options, { agent: this.#agent, cancellation: signal, observer: this.#observer });
  }

  /** The same client (same connections), which tells `observer` of every request when it ends. */
  observed(observer: SwedbankPayRequestObserver): SwedbankPayClient {
    return new SwedbankPayClient(this.#options, {
      agent: this.#agent,
      ...(this.#cancellation && { cancellation: this.#cancellation }),
      observer,
    });
  }

  /** GET the payment resource with its current operations. */
  async getPayment(paymentId: string): Promise<z.infer<typeof PaymentResponse>> {
    instrumentOf(paymentId);
    return this.#send('get-payment', 'GET', paymentId, undefined, PaymentResponse);
  }

  /** Capture part or all of the authorized amount (the `create-capture` operation). */
  async capture(paymentId: string, input: CaptureInput): Promise<TransactionEntry> {
    return this.#create(paymentId, 'capture', buildCaptureRequest(instrumentOf(paymentId), input));
  }

  /** Cancel the remaining authorized amount (the `create-cancellation` operation). */
  async cancel(paymentId: string, input: CancellationInput): Promise<TransactionEntry> {
    return this.#create(paymentId, 'cancellation', buildCancellationRequest(instrumentOf(paymentId), input));
  }

  /** Reverse (refund) captured money (the `create-reversal` operation). */
  async reverse(paymentId: string, input: ReversalInput): Promise<TransactionEntry> {
    return this.#create(paymentId, 'reversal', buildReversalRequest(instrumentOf(paymentId), input));
  }

  /** Abort a payment that has no successful transaction (the `update-payment-abort` operation). */
  async abort(paymentId: string): Promise<z.infer<typeof PaymentResponse>> {
    instrumentOf(paymentId);
    const body = buildAbortRequest();
    const operation = await this.#operation(paymentId, ABORT_REL);
    return this.#send('abort-payment', operation.method, operation.href, body, PaymentResponse);
  }

  /** Delete a card payment token or recurrence token. Deleting a deleted token again is harmless. */
  async deleteToken(input: DeleteTokenInput): Promise<z.infer<typeof InstrumentDataResponse>['instrumentData']> {
    const body = buildDeleteTokenRequest(input);
    const { path, shown } = instrumentDataPath(input.paymentToken);
    return (await this.#send('delete-token', 'PATCH', path, body, InstrumentDataResponse, shown)).instrumentData;
  }

  /**
   * The card token of this type that the payment's authorization created, if any: how the worker
   * learns the token it deletes, so that the token never passes through workflow history.
   */
  async findCardToken(paymentId: string, tokenType: 'PaymentToken' | 'RecurrenceToken'): Promise<string | undefined> {
    instrumentOf(paymentId);
    const { authorizations } = await this.#send(
      'list-authorizations',
      'GET',
      `${paymentId}/authorizations`,
      undefined,
      AuthorizationListResponse,
    );
    const field = tokenType === 'PaymentToken' ? 'paymentToken' : 'recurrenceToken';
    const tokens = authorizations.authorizationList
      .filter((a) => a.transaction.state === 'Completed')
      .map((a) => a[field])
      .filter((token): token is string => typeof token === 'string' && token.length > 0);
    return tokens.at(-1);
  }

  /** A card token's instrument data: whether it is deleted already (looked at before deleting again). */
  async getToken(paymentToken: string): Promise<z.infer<typeof InstrumentDataResponse>['instrumentData']> {
    const { path, shown } = instrumentDataPath(paymentToken);
    return (await this.#send('get-token', 'GET', path, undefined, InstrumentDataResponse, shown)).instrumentData;
  }

  /** A payment's captures, cancellations or reversals. */
  async listTransactions(paymentId: string, kind: TransactionKind): Promise<TransactionEntry[]> {
    const path = transactionListPath(paymentId, kind);
    switch (kind) {
      case 'capture':
        return (await this.#send('list-captures', 'GET', path, undefined, CaptureListResponse)).captures.captureList;
      case 'cancellation':
        return (await this.#send('list-cancellations', 'GET', path, undefined, CancellationListResponse)).cancellations
          .cancellationList;
      case 'reversal':
        return (await this.#send('list-reversals', 'GET', path, undefined, ReversalListResponse)).reversals
          .reversalList;
    }
  }

  /**
   * The transaction of this kind with this payeeReference, if Swedbank Pay has one: how a caller
   * learns the outcome of a request whose answer was lost, without sending it again.
   */
  async findTransaction(
    paymentId: string,
    kind: TransactionKind,
    payeeReference: string,
  ): Promise<TransactionEntry | undefined> {
    const list = await this.listTransactions(paymentId, kind);
    return list.find((entry) => entry.transaction.payeeReference === payeeReference);
  }

  /**
   * Every transaction of a payment, of any type (the authorization too), from its `transactions`
   * resource: the link the payment resource gives when known, else the documented path.
   */
  async listAllTransactions(paymentId: string, transactionsHref?: string): Promise<Transaction[]> {
    instrumentOf(paymentId);
    const path = transactionsHref ?? `${paymentId}/transactions`;
    return (await this.#send('list-transactions', 'GET', path, undefined, TransactionListResponse)).transactions
      .transactionList;
  }

  /**
   * The payment with every transaction: how a payment that may not be authorized yet is read (its
   * authorization transactions say whether the payer has paid, and for how much).
   */
  async getPaymentWithTransactions(
    paymentId: string,
  ): Promise<z.infer<typeof PaymentResponse> & { transactions: Transaction[] }> {
    const resource = await this.getPayment(paymentId);
    const transactions = await this.listAllTransactions(paymentId, resource.payment.transactions?.id);
    return { ...resource, transactions };
  }

  /** GET one transaction by its id (/psp/.../transactions/{id}): the truth after a callback. */
  async getTransaction(transactionId: string): Promise<Transaction> {
    if (!isTransactionId(transactionId)) {
      throw new TypeError('expected a transaction id /psp/{instrument}/payments/{id}/transactions/{id}');
    }
    return (await this.#send('get-transaction', 'GET', transactionId, undefined, TransactionResponse)).transaction;
  }

  /**
   * The Payment Order v3.1 API (/psp/paymentorders) through this client's connections, token,
   * cancellation and observer; every request carries `version=3.1`.
   */
  paymentOrders(): PaymentOrderClient {
    return new PaymentOrderClient({ send: (request) => this.#request({ ...request, version: '3.1' }) });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  /** Logged or inspected, a client shows where it talks to, never its token. */
  [inspect.custom](): string {
    return `SwedbankPayClient { baseUrl: '${this.baseUrl}', timeoutMs: ${this.timeoutMs} }`;
  }

  toJSON(): { baseUrl: string; timeoutMs: number } {
    return { baseUrl: this.baseUrl, timeoutMs: this.timeoutMs };
  }

  async #create(paymentId: string, kind: TransactionKind, body: unknown): Promise<TransactionEntry> {
    const { method, href } = await this.#operation(paymentId, CREATE_REL[kind]);
    const name = CREATE_REL[kind];
    switch (kind) {
      case 'capture':
        return (await this.#send(name, method, href, body, CaptureResponse)).capture;
      case 'cancellation':
        return (await this.#send(name, method, href, body, CancellationResponse)).cancellation;
      case 'reversal':
        return (await this.#send(name, method, href, body, ReversalResponse)).reversal;
    }
  }

  async #operation(paymentId: string, rel: string) {
    const { payment, operations } = await this.getPayment(paymentId);
    const operation = operations.find((o) => o.rel === rel);
    if (!operation) {
      throw new OperationNotAvailableError(
        paymentId,
        rel,
        payment.state,
        operations.map((o) => o.rel),
      );
    }
    return operation;
  }

  /**
   * One request, in a client span (`POST create-capture`) when tracing is on, reported to the observer
   * when it ends. The span carries the method, the (masked) path and the status; never a header or body.
   */
  async #send<T>(
    operation: string,
    method: Method,
    target: string,
    body: unknown,
    schema: z.ZodType<T>,
    shownPath?: string,
  ): Promise<T> {
    return (await this.#request({ operation, method, target, body, schema, ...(shownPath && { shownPath }) })).data;
  }

  /**
   * One request, in a client span (`POST create-capture`) when tracing is on, reported to the observer
   * when it ends. The span carries the method, the (masked) path and the status; never a header or body.
   * The answer's status comes back too: a payment order answers 202 to what it is still processing.
   */
  async #request<T>(request: TransportRequest<T> & { operation: string }): Promise<{ status: number; data: T }> {
    const { operation, method, target, body, schema, shownPath, version, answerOptional } = request;
    const url = this.#url(target, method);
    const context: RequestContext = { method, path: shownPath ?? url.pathname };
    return tracer.startActiveSpan(
      `${method} ${operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'server.address': url.hostname,
          'url.path': context.path,
          'swedbank_pay.operation': operation,
        },
      },
      async (span) => {
        const started = performance.now();
        let status: SwedbankPayRequestRecord['status'] = 'network';
        try {
          const data = await this.#exchange(url, body, schema, context, { version, answerOptional }, (code) => {
            status = code;
            span.setAttribute('http.response.status_code', code);
          });
          return { status: typeof status === 'number' ? status : 200, data };
        } catch (err) {
          if (err instanceof TransportError) {
            status = err.code === 'timeout' && this.#cancellation?.aborted ? 'cancelled' : err.code;
          }
          span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
          if (err instanceof Error) span.setAttribute('error.type', err.name);
          throw err;
        } finally {
          span.end();
          this.#observer?.({ operation, method, path: context.path, status, durationMs: performance.now() - started });
        }
      },
    );
  }

  async #exchange<T>(
    url: URL,
    body: unknown,
    schema: z.ZodType<T>,
    context: RequestContext,
    { version, answerOptional }: Pick<TransportRequest<T>, 'version' | 'answerOptional'>,
    answered: (status: number) => void,
  ): Promise<T> {
    const method = context.method as Method;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const cancel = () => controller.abort();
    if (this.#cancellation?.aborted) controller.abort();
    this.#cancellation?.addEventListener('abort', cancel, { once: true });
    let response: HttpAnswer;
    try {
      response = await exchange(url, {
        method,
        agent: this.#agent,
        signal: controller.signal,
        // A redirect is never followed (the exchange never does): it would carry the bearer token away.
        headers: {
          Authorization: `Bearer ${this.#token}`,
          // Payment Order v3.1 names its version in the media types. Content-Type goes with every request,
          // GETs included, as in the seed pages' and the portal's examples (its header table requires it).
          Accept: version ? `application/json;version=${version}, application/problem+json` : ACCEPT,
          'Content-Type': version ? `application/json;version=${version}` : 'application/json',
          'User-Agent': this.#userAgent,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw this.#transportError(err, context, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
      this.#cancellation?.removeEventListener('abort', cancel);
    }
    answered(response.status);
    if (response.status >= 300 && response.status < 400) {
      // Swedbank Pay's API does not redirect; an answer that does is refused, its target not followed.
      throw new UnexpectedResponseError(response.status, context, 'a redirect, not followed (the token stays here)');
    }
    const json = parseJson(response.text);
    if (response.status >= 400) throw this.#problemError(response, json, context);
    if (json === undefined && !(answerOptional && jsonLike(response))) {
      throw new UnexpectedResponseError(response.status, context, 'the body is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const why = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new UnexpectedResponseError(response.status, context, this.#redact(why));
    }
    return parsed.data;
  }

  /**
   * Where a request goes: always the configured API. Swedbank Pay's operation hrefs name its own host;
   * some of its documented answers name another (api.payex.com in test-host examples), and a test
   * double may name itself by another address. The href's path (and query) is followed on the
   * configured origin, so the bearer token goes nowhere else.
   */
  #url(target: string, method: Method): URL {
    const url = new URL(target, this.baseUrl);
    if (url.origin === this.baseUrl) return url;
    // Set on a URL of the API, never parsed again: a path such as `//elsewhere/x` stays a path here.
    const onApi = new URL(this.baseUrl);
    onApi.pathname = url.pathname;
    onApi.search = url.search;
    if (onApi.origin !== this.baseUrl) {
      throw new UnexpectedResponseError(0, { method, path: onApi.pathname }, `operation href outside ${this.baseUrl}`);
    }
    return onApi;
  }

  #transportError(err: unknown, context: RequestContext, timedOut: boolean): TransportError {
    // A GET changes nothing. A POST/PATCH may have been committed, unless the connection was refused.
    const mayHaveChanged = context.method !== 'GET';
    if (timedOut && this.#cancellation?.aborted)
      return new TransportError('timeout', context, mayHaveChanged, 'cancelled before an answer came');
    if (timedOut)
      return new TransportError('timeout', context, mayHaveChanged, `no answer within ${this.timeoutMs} ms`);
    const code = (err as { code?: string }).code;
    const refused = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    // An answer too large to read is an answer not read: for a POST, what it did is unknown.
    const message =
      err instanceof AnswerTooLargeError
        ? `answered ${err.status}, ${err.message}; not read`
        : err instanceof Error
          ? err.message
          : String(err);
    return new TransportError(
      'network',
      context,
      mayHaveChanged && !refused,
      this.#redact(code ? `${code}: ${message}` : message),
    );
  }

  #problemError(response: HttpAnswer, json: unknown, context: RequestContext): Error {
    const problem = Problem.safeParse(json);
    if (!problem.success) {
      return new UnexpectedResponseError(response.status, context, 'an error without a problem+json body');
    }
    const clean = this.#redactProblem(problem.data);
    if (response.status === 429) {
      return new RateLimitedError(response.status, clean, context, retryAfterMs(headerOf(response, 'retry-after')));
    }
    if (isPayeeReferenceAlreadyUsed(response.status, clean)) {
      return new PayeeReferenceAlreadyUsedError(response.status, clean, context);
    }
    return new ProblemError(response.status, clean, context);
  }

  #redact(text: string): string {
    return redact(text, [this.#token]);
  }

  #redactProblem(problem: Problem): Problem {
    const r = (s: string | undefined) => (s === undefined ? undefined : this.#redact(s));
    return {
      type: this.#redact(problem.type),
      title: r(problem.title),
      status: problem.status,
      detail: r(problem.detail),
      instance: r(problem.instance),
      problems: problem.problems.map((p) => ({ name: this.#redact(p.name), description: this.#redact(p.description) })),
    };
  }
}

/** A token's instrumentData path, and how errors show it: the token identifies a stored card. */
function instrumentDataPath(paymentToken: string): { path: string; shown: string } {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(paymentToken)) throw new TypeError('not a payment token');
  return {
    path: `/psp/creditcard/payments/instrumentData/${paymentToken}`,
    shown: `/psp/creditcard/payments/instrumentData/…${paymentToken.slice(-4)}`,
  };
}

/**
 * The body as JSON, a field whose value is null read as absent: the portal marks fields nullable
 * ("number (nullable)") that the schemas take as optional, and a required one is still missing.
 */
function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text, (key, value: unknown) => (value === null && key !== '' ? undefined : value)) as unknown;
  } catch {
    return undefined;
  }
}

/** An answer nothing is read from may be empty or broken JSON, never another kind of page (a proxy's). */
function jsonLike(answer: HttpAnswer): boolean {
  return answer.text.trim() === '' || /json/i.test(headerOf(answer, 'content-type') ?? '');
}

/** A header's value, the first when it came more than once. */
function headerOf(answer: HttpAnswer, name: string): string | null {
  const value = answer.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** Retry-After: delay-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
