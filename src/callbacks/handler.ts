/**
 * Swedbank Pay callback receiver, as a plain node:http request handler (mountable in Express, Fastify
 * or Koa at any path; the standalone server adds routing). It checks the sender, validates the body,
 * signals the payment's workflow (whose id is derived from the payment id in the body) and answers
 * fast. A callback is only a hint: the workflow GETs the truth, so duplicates are harmless.
 *
 *   sender not on the allowlist     403, body not read
 *   not POST                        405
 *   body over the limit             413, reading stops
 *   not JSON / not a callback body  400
 *   no workflow for the payment     404, so Swedbank Pay retries while the workflow may still be starting
 *   workflow already closed         200: the lifecycle has ended, retrying for ~21 minutes would not help
 *   Temporal slow or unreachable    503 after `signalTimeoutMs`, so Swedbank Pay retries
 *   signalled                       200
 *
 * A closed workflow gets 2xx because its lifecycle has ended for good: no later run would read the
 * callback, and Swedbank Pay's retries would only repeat the same answer. If the closed run's history
 * is already gone (namespace retention), it is indistinguishable from an unknown payment: 404.
 *
 * Behind a framework that already read the body (express.json(), express.text(), express.raw()),
 * the parsed `req.body` (object, string or Buffer) is used; an unread stream is always read here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { paymentWorkflowId } from '../contract/index.js';
import { callbackSignal } from '../contract/index.js';
import { callbackHint, hintPaymentId, salvagedCallbackBody, type CallbackHint } from '../domain/callback.js';
import { createIpAllowlist, senderAddress } from './ip-allowlist.js';
import { CallbackThrottle, type CallbackThrottleOptions } from './throttle.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
export const DEFAULT_SIGNAL_TIMEOUT_MS = 5_000;

/** Structured log lines; Temporal's Logger, console and most loggers fit. */
export interface CallbackLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** Told of every answer the handler gives (src/callbacks/metrics.ts counts them for Prometheus). */
export interface CallbackMetrics {
  answered(outcome: CallbackOutcome, status: number, seconds: number): void;
}

export interface CallbackHandlerOptions {
  client: Client;
  /** Largest accepted body; the documented body is about 300 bytes. Default 16 KiB. */
  maxBodyBytes?: number;
  /**
   * Senders allowed to deliver callbacks: exact addresses and CIDR ranges, IPv4 and IPv6. Leave out
   * to accept any sender. Use the source addresses Swedbank Pay documents for your environment.
   */
  allowedIps?: readonly string[];
  /**
   * Number of reverse proxies in front of this receiver whose X-Forwarded-For entries are trusted
   * (0, the default: the TCP peer is the sender and X-Forwarded-For is ignored).
   */
  trustProxy?: number;
  /** How long signalling the workflow may take before answering 503. Default 5 s. */
  signalTimeoutMs?: number;
  /** One line per callback: outcome, HTTP status, payment and transaction ids, sender. Never the body. */
  logger?: CallbackLogger;
  /** Counts every answer by outcome and status, and how long it took. */
  metrics?: CallbackMetrics;
  /**
   * Bounds on what callbacks cost a payment (src/callbacks/throttle.ts): one signal per payment per
   * `coalesceWindowMs` (1 s; later ones fold into a trailing signal), at most `burst` (20) signals
   * at once and `perHour` (60) after that (beyond: 429 with Retry-After). `false` turns both off.
   */
  throttle?: CallbackThrottleOptions | false;
}

export type CallbackHandler = (req: IncomingMessage, res: ServerResponse) => void;

export type CallbackOutcome =
  | 'signalled'
  | 'coalesced'
  | 'rate-limited'
  | 'workflow-closed'
  | 'unknown-payment'
  | 'forbidden'
  | 'method-not-allowed'
  | 'too-large'
  | 'malformed'
  | 'timeout'
  | 'temporal-unavailable'
  | 'error';

class BodyTooLarge extends Error {}
class BodyConsumed extends Error {}
class SignalTimeout extends Error {}

/** A body some framework middleware already parsed (express.json() and the like). */
type WithParsedBody = IncomingMessage & { body?: unknown };

/**
 * The request body as text, or an already parsed value. The stream is read when nobody has read it
 * yet; otherwise `req.body` as set by a framework (object, string or Buffer) is used.
 */
function readBody(req: WithParsedBody, limit: number): Promise<unknown> {
  if (req.readableEnded) {
    const body = req.body;
    if (body === undefined) return Promise.reject(new BodyConsumed());
    if (Buffer.isBuffer(body) || typeof body === 'string') {
      if (Buffer.byteLength(body) > limit) return Promise.reject(new BodyTooLarge());
      return Promise.resolve(body.toString());
    }
    return Promise.resolve({ parsed: body });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function rejectAfter(ms: number): { promise: Promise<never>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SignalTimeout()), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

export interface CallbackHandlerWithClose extends CallbackHandler {
  /** Stops trailing signals still pending (call when the server closes). */
  close(): void;
}

export function createCallbackHandler(options: CallbackHandlerOptions): CallbackHandlerWithClose {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const signalTimeoutMs = options.signalTimeoutMs ?? DEFAULT_SIGNAL_TIMEOUT_MS;
  const trustProxy = options.trustProxy ?? 0;
  if (!Number.isInteger(limit) || limit <= 0) throw new RangeError('maxBodyBytes must be a positive integer');
  if (!Number.isInteger(signalTimeoutMs) || signalTimeoutMs <= 0) {
    throw new RangeError('signalTimeoutMs must be a positive integer');
  }
  if (!Number.isInteger(trustProxy) || trustProxy < 0) {
    throw new RangeError('trustProxy must be the number of trusted proxies (0 or more)');
  }
  const allowlist = options.allowedIps === undefined ? undefined : createIpAllowlist(options.allowedIps);
  const { client, logger } = options;
  const throttle =
    options.throttle === false
      ? undefined
      : new CallbackThrottle(options.throttle ?? {}, (workflowId, body) => {
          // A trailing signal for callbacks already answered: the workflow's polling covers a failure.
          client.workflow
            .getHandle(workflowId)
            .signal(callbackSignal, body)
            .then(
              () => logger?.info('Swedbank Pay callback: trailing signal', { outcome: 'signalled', workflowId }),
              () => logger?.warn('Swedbank Pay callback: trailing signal failed', { outcome: 'error', workflowId }),
            );
        });

  /** Signals the workflow, or reports why not; the whole exchange is bounded by the deadline. */
  async function signal(workflowId: string, body: CallbackHint): Promise<{ closed?: string }> {
    const handle = client.workflow.getHandle(workflowId);
    for (let attempt = 0; ; attempt++) {
      try {
        await handle.signal(callbackSignal, body);
        return {};
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      // Not found: no workflow with this id at all, or its latest run has closed. Only the latter is final.
      const description = await handle.describe(); // WorkflowNotFoundError when there is none
      if (description.status.name !== 'RUNNING') return { closed: description.status.name };
      // A new run started in between (the id was reused): deliver to it, once.
      if (attempt > 0) throw new Error('workflow neither closed nor reachable by signal');
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const received = performance.now();
    const sender = senderAddress(req, trustProxy);
    let ids: { paymentId?: string; transactionId?: string } = {};
    let extra: { workflowStatus?: string; salvaged?: true } = {};
    const done = (status: number, outcome: CallbackOutcome, message: string, headers: Record<string, string> = {}) => {
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
        res.end(JSON.stringify({ status, message }));
      }
      options.metrics?.answered(outcome, status, (performance.now() - received) / 1000);
      const meta = { outcome, status, ...ids, sender, ...extra };
      if (status < 300) logger?.info(`Swedbank Pay callback: ${outcome}`, meta);
      else logger?.warn(`Swedbank Pay callback: ${outcome}`, meta);
    };
    // An early answer leaves the body unread: close the connection rather than read it to the end.
    const refuse = (
      status: number,
      outcome: CallbackOutcome,
      message: string,
      headers: Record<string, string> = {},
    ) => {
      done(status, outcome, message, { connection: 'close', ...headers });
      if (!req.readableEnded) {
        res.once('finish', () => {
          // Give the client a moment to read the answer before the socket goes.
          setTimeout(() => req.destroy(), 1_000).unref();
        });
      }
    };

    // Before anything is read: a disallowed sender learns nothing about payments.
    if (allowlist && !allowlist.allows(sender)) return refuse(403, 'forbidden', 'sender not allowed');
    if (req.method !== 'POST') return refuse(405, 'method-not-allowed', 'POST only', { allow: 'POST' });

    let raw: unknown;
    try {
      raw = await readBody(req, limit);
    } catch (err) {
      if (err instanceof BodyTooLarge) return refuse(413, 'too-large', `body larger than ${limit} bytes`);
      if (err instanceof BodyConsumed) {
        // A mounting mistake, not the sender's: answer non-2xx so the callback is retried once fixed.
        return done(500, 'error', 'request body was consumed before the callback handler and req.body is not set');
      }
      return done(400, 'malformed', 'unreadable body');
    }
    let json: unknown;
    if (typeof raw === 'string') {
      try {
        json = JSON.parse(raw);
      } catch {
        json = salvagedCallbackBody(raw);
        if (json === undefined) return done(400, 'malformed', 'body is not JSON');
        extra = { salvaged: true };
      }
    } else {
      json = (raw as { parsed: unknown }).parsed;
    }
    // Only the fields the workflow reads go on: the body's ids, never anything else it may carry.
    const hint = callbackHint(json);
    if (!hint) return done(400, 'malformed', 'not a Swedbank Pay callback body');
    ids =
      'paymentOrder' in hint
        ? { paymentId: hint.paymentOrder.id }
        : { paymentId: hint.payment.id, transactionId: hint.transaction.id };
    let workflowId: string;
    try {
      workflowId = paymentWorkflowId(hintPaymentId(hint));
    } catch {
      return done(400, 'malformed', 'not a payment order, card or invoice payment id');
    }

    const verdict = throttle?.admit(workflowId, hint) ?? { action: 'signal' };
    if (verdict.action === 'coalesced') return done(200, 'coalesced', 'ok (folded into a signal at once)');
    if (verdict.action === 'limited') {
      const seconds = String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)));
      return done(429, 'rate-limited', 'too many callbacks for this payment', { 'retry-after': seconds });
    }
    const deadline = Date.now() + signalTimeoutMs;
    const timer = rejectAfter(signalTimeoutMs);
    let signalled = false;
    try {
      // The gRPC deadline cancels the calls; the timer guarantees the answer even if something else hangs.
      const outcome = await Promise.race([
        client.withDeadline(deadline, () => signal(workflowId, hint)),
        timer.promise,
      ]);
      signalled = true;
      throttle?.reached(workflowId);
      if (outcome.closed === undefined) return done(200, 'signalled', 'ok');
      extra = { ...extra, workflowStatus: outcome.closed };
      return done(200, 'workflow-closed', 'payment lifecycle already closed');
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throttle?.notFound(workflowId);
        return done(404, 'unknown-payment', 'no workflow for this payment (yet)');
      }
      if (err instanceof SignalTimeout || Date.now() >= deadline) {
        return done(503, 'timeout', 'signalling the payment workflow timed out');
      }
      return done(503, 'temporal-unavailable', 'could not signal the payment workflow');
    } finally {
      timer.cancel();
      if (!signalled) throttle?.failed(workflowId);
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (res.headersSent) return;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 500, message: 'internal error' }));
    });
  };
  return Object.assign(handler, { close: () => throttle?.close() });
}
