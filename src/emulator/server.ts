/**
 * The emulator's HTTP server (node:http, loopback): bearer-token check, routing to the Swedbank Pay
 * API or the admin API, and request faults, which need to control the socket itself (reset it,
 * drop the answer after committing, answer late). close() stops every timer and socket.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen, urlHost } from '../http/listen.js';
import { ADMIN_PREFIX, handleAdminRequest, type AdminContext } from './admin.js';
import { CallbackDispatcher } from './callbacks.js';
import { RequestFaults, type RequestFault } from './faults.js';
import { BodyTooLargeError, notFound, problemReply, readBody, writeReply, type Reply } from './http.js';
import { TransactionOutcomes } from './outcomes.js';
import { handlePaymentOrderRequest } from './payment-orders/handlers.js';
import { isPaymentOrderPath, matchPaymentOrderRoute } from './payment-orders/routes.js';
import { PaymentOrders } from './payment-orders/service.js';
import { handlePspRequest, matchPspRoute } from './psp-api.js';
import { EmulatorStore } from './store.js';
import { TimerRegistry } from './timers.js';

export const DEFAULT_SEED = 1;
export const DEFAULT_PAYEE_ID = '5cabf558-5283-482f-b252-4d58e06f6f3b';

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** 127.0.0.1 by default. The admin API has no auth: bind elsewhere only on a private network. */
  host?: string;
  /** When set, every /psp request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Seed of request and callback faults; the same seed replays the same fault decisions. */
  seed?: number;
  /** Delays before each callback attempt; Swedbank Pay-like 0, 1, 5, 15 minutes by default. */
  callbackRetryScheduleMs?: number[];
  /** How long one callback attempt may take. */
  callbackTimeoutMs?: number;
  /** How long a reordered callback is held when no later callback releases it. */
  callbackReorderHoldMs?: number;
  payeeId?: string;
  /**
   * The origin clients reach the emulator at, used in every href it returns (e.g. http://emulator:8088
   * in a Compose network, where it listens on 0.0.0.0). Default: the bound address.
   */
  publicBaseUrl?: string;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:41234; use it as the Swedbank Pay API origin. */
  baseUrl: string;
  port: number;
  /** The in-memory state, for tests that inspect it directly. */
  store: EmulatorStore;
  close(): Promise<void>;
}

interface Components {
  context: AdminContext;
  faults: RequestFaults;
  requestTimers: TimerRegistry;
  token: string | undefined;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const components = createComponents(options);
  const server = createServer((request, response) => {
    handleRequest(components, request, response).catch((error: unknown) =>
      answerInternalError(components, request, response, error),
    );
  });
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  components.context.baseUrl = options.publicBaseUrl
    ? new URL(options.publicBaseUrl).origin
    : `http://${urlHost(options.host ?? '127.0.0.1')}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    baseUrl: components.context.baseUrl,
    port,
    store: components.context.store,
    close() {
      closing ??= shutDown(server, components);
      return closing;
    },
  };
}

function createComponents(options: EmulatorOptions): Components {
  const seed = options.seed ?? DEFAULT_SEED;
  const store = new EmulatorStore({ payeeId: options.payeeId ?? DEFAULT_PAYEE_ID });
  const callbacks = new CallbackDispatcher({
    seed,
    retryScheduleMs: options.callbackRetryScheduleMs,
    timeoutMs: options.callbackTimeoutMs,
    reorderHoldMs: options.callbackReorderHoldMs,
  });
  const outcomes = new TransactionOutcomes(store, (payment, transaction) => callbacks.notify(payment, transaction));
  const faults = new RequestFaults(seed);
  const paymentOrders = new PaymentOrders(store, outcomes, callbacks);
  const context: AdminContext = {
    baseUrl: '',
    store,
    outcomes,
    callbacks,
    faults,
    paymentOrders,
    reset() {
      store.reset();
      paymentOrders.reset();
      faults.clear(seed);
      outcomes.reset();
      callbacks.reset();
    },
  };
  return { context, faults, requestTimers: new TimerRegistry(), token: options.token };
}

async function shutDown(server: Server, components: Components): Promise<void> {
  components.requestTimers.close();
  components.context.outcomes.close();
  components.context.callbacks.close();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function handleRequest(
  components: Components,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { context } = components;
  const method = request.method ?? 'GET';
  const url = new URL(request.url ?? '/', 'http://emulator');
  const path = url.pathname;
  let bodyText: string;
  try {
    bodyText = await readBody(request);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    writeReply(response, tooLarge(context.baseUrl, path));
    return;
  }
  if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
    writeReply(response, handleAdminRequest(context, method, path, bodyText, request.headers));
    return;
  }
  if (!isAuthorized(request.headers.authorization, components.token)) {
    writeReply(response, unauthorized(context.baseUrl, path));
    return;
  }
  const route = matchPspRoute(method, path);
  const orderRoute = route ? undefined : matchPaymentOrderRoute(method, path, bodyText);
  const serve = (): Reply => {
    if (route) return handlePspRequest(context, route, path, bodyText);
    if (orderRoute) {
      return handlePaymentOrderRequest(context, orderRoute, {
        path,
        query: url.searchParams,
        headers: request.headers,
        bodyText,
      });
    }
    return problemReply(context.baseUrl, path, notFound(`No Swedbank Pay resource ${method} ${path}`));
  };
  const api = isPaymentOrderPath(path) ? 'paymentorders' : 'payments';
  const fault = components.faults.decide({ method, path, api, operation: route?.operation ?? orderRoute?.operation });
  await serveWithFault(components, fault, path, serve, response);
}

/** Applies a request fault around `serve`, which commits the request's effects when called. */
async function serveWithFault(
  components: Components,
  fault: RequestFault | undefined,
  path: string,
  serve: () => Reply,
  response: ServerResponse,
): Promise<void> {
  const { baseUrl } = components.context;
  const drop = (): void => {
    response.socket?.destroy();
  };
  switch (fault?.kind) {
    case undefined:
      return writeReply(response, serve());
    case 'status':
      return writeReply(response, injectedSystemError(baseUrl, path, fault.status));
    case 'rate-limit':
      return writeReply(response, injectedRateLimit(baseUrl, path, fault.retryAfterSeconds));
    case 'reset-before-commit':
      return drop();
    case 'commit-then-drop':
      serve();
      return drop();
    case 'latency':
      if (await components.requestTimers.sleep(fault.ms)) return writeReply(response, serve());
      return drop();
    case 'slow-response': {
      const reply = serve();
      if (await components.requestTimers.sleep(fault.ms)) return writeReply(response, reply);
      return drop();
    }
  }
}

/** Constant-time comparison of the whole Authorization header with `Bearer <token>`. */
function isAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function unauthorized(baseUrl: string, path: string): Reply {
  return problemReply(
    baseUrl,
    path,
    {
      kind: 'unauthorized',
      status: 401,
      detail: 'A valid bearer token is required',
      problems: [{ name: 'Authorization', description: 'Missing or invalid bearer token' }],
    },
    { 'www-authenticate': 'Bearer' },
  );
}

function tooLarge(baseUrl: string, path: string): Reply {
  return problemReply(baseUrl, path, {
    kind: 'inputerror',
    status: 413,
    detail: 'The request body is too large',
    problems: [{ name: 'body', description: 'Request body too large' }],
  });
}

function injectedSystemError(baseUrl: string, path: string, status: number): Reply {
  return problemReply(baseUrl, path, {
    kind: 'systemerror',
    status,
    detail: `Injected fault: HTTP ${status}; nothing was committed`,
    problems: [],
  });
}

function injectedRateLimit(baseUrl: string, path: string, retryAfterSeconds: number): Reply {
  return problemReply(
    baseUrl,
    path,
    {
      kind: 'toomanyrequests',
      status: 429,
      detail: `Injected fault: too many requests; retry after ${retryAfterSeconds} s; nothing was committed`,
      problems: [],
    },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

function answerInternalError(
  components: Components,
  request: IncomingMessage,
  response: ServerResponse,
  error: unknown,
): void {
  console.error('swedbank-pay emulator: internal error', error);
  const path = request.url ?? '/';
  writeReply(
    response,
    problemReply(components.context.baseUrl, path, {
      kind: 'systemerror',
      status: 500,
      detail: 'Internal emulator error',
      problems: [],
    }),
  );
}
