/**
 * The callback receiver as its own HTTP server: POST {path} goes to the callback handler, GET /healthz
 * answers 200 for container health checks, everything else 404. The health check says only that the
 * process serves HTTP; it does not probe Temporal, so a Temporal outage (during which callbacks get
 * 503 and are retried) does not make an orchestrator restart a healthy receiver.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, urlHost } from '../http/listen.js';
import { ConfigurationError } from '../config/errors.js';
import { createCallbackHandler, DEFAULT_SIGNAL_TIMEOUT_MS, type CallbackHandlerOptions } from './handler.js';

export const DEFAULT_CALLBACK_PORT = 8089;
export const DEFAULT_CALLBACK_HOST = '127.0.0.1';
export const DEFAULT_CALLBACK_PATH = '/callbacks';
export const HEALTH_PATH = '/healthz';

export interface CallbackServerOptions extends CallbackHandlerOptions {
  /** Default 8089; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only); 0.0.0.0 or :: to listen on every interface, as in a container. */
  host?: string;
  /** The path Swedbank Pay posts to (the payment's callbackUrl); default /callbacks. Query strings are ignored. */
  path?: string;
}

export interface RunningCallbackServer {
  /** The callback URL on the bound address, e.g. http://127.0.0.1:8089/callbacks. */
  url: string;
  port: number;
  /** Stops accepting, lets callbacks in flight finish (bounded by the signal timeout), then closes. */
  close(): Promise<void>;
}

/** Problems with a callback path: one that Swedbank Pay can post to and that is not the health check. */
export function callbackPathProblems(path: string): string[] {
  if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(path)) {
    return [`the callback path must start with / and hold no spaces, ? or #, got "${path}"`];
  }
  if (path === HEALTH_PATH) return [`the callback path cannot be ${HEALTH_PATH}, the health check`];
  return [];
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function pathnameOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://receiver.invalid').pathname;
  } catch {
    return undefined;
  }
}

export async function startCallbackServer(options: CallbackServerOptions): Promise<RunningCallbackServer> {
  const { port = DEFAULT_CALLBACK_PORT, host = DEFAULT_CALLBACK_HOST, path = DEFAULT_CALLBACK_PATH } = options;
  const problems = callbackPathProblems(path);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`port must be 0-65535, got ${port}`);
  if (problems.length > 0) throw new ConfigurationError(problems);
  const callbacks = createCallbackHandler(options);

  const server = createServer((req, res) => {
    const pathname = pathnameOf(req);
    if (pathname === path) return callbacks(req, res);
    if (pathname === HEALTH_PATH) {
      if (req.method === 'GET' || req.method === 'HEAD') return json(res, 200, { status: 'ok' });
      return json(res, 405, { status: 405, message: 'GET only' }, { allow: 'GET, HEAD' });
    }
    json(res, 404, { status: 404, message: 'not found' });
  });
  // Bounds for slow senders; a callback is a few hundred bytes.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const bound = await listen(server, port, host);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${bound}${path}`,
    port: bound,
    close() {
      callbacks.close();
      closing ??= new Promise<void>((resolve, reject) => {
        const force = setTimeout(
          () => server.closeAllConnections(),
          (options.signalTimeoutMs ?? DEFAULT_SIGNAL_TIMEOUT_MS) + 1_000,
        );
        server.close((err) => {
          clearTimeout(force);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
