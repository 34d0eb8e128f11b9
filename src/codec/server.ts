/**
 * A codec server (Temporal's remote codec protocol): the Temporal Web UI and the `temporal` CLI
 * (`--codec-endpoint`) send it encrypted payloads and get them back decoded, so authorised operators
 * read payments while the server and its backups hold only ciphertext.
 *
 *   POST {path}/decode, {path}/encode   body {"payloads":[{"metadata":{k: base64},"data": base64}]}
 *   OPTIONS                             CORS preflight for the Web UI's origin
 *   GET /healthz                        200
 *
 * Who may: with a token configured, every request needs `Authorization: Bearer <token>` (the CLI's
 * `--codec-auth`, or the Web UI behind a proxy that adds it); without one, the server is for a local
 * Web UI only: it binds to loopback and answers only browsers from the allowed origins.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, urlHost } from '../http/listen.js';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Web UI origins allowed to call it (CORS), e.g. http://localhost:8233. */
  allowedOrigins?: readonly string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest request body; default 4 MiB (Temporal's payloads are at most 2 MiB each by default). */
  maxBodyBytes?: number;
}

export interface RunningCodecServer {
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toPayload = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RangeError('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new SyntaxError('not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function isPayloadList(body: unknown): body is { payloads: JsonPayload[] } {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { payloads?: unknown }).payloads))
    return false;
  return (body as { payloads: unknown[] }).payloads.every(
    (p) =>
      typeof p === 'object' &&
      p !== null &&
      (typeof (p as JsonPayload).data === 'string' || (p as JsonPayload).data === undefined),
  );
}

function sameToken(given: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const actual = Buffer.from(given ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const { codec, token } = options;
  const origins = new Set(options.allowedOrigins ?? []);
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    const cors: Record<string, string> =
      origin && origins.has(origin)
        ? {
            'access-control-allow-origin': origin,
            'access-control-allow-credentials': 'true',
            'access-control-allow-headers': 'content-type, authorization, x-namespace',
            'access-control-allow-methods': 'POST, OPTIONS',
            vary: 'Origin',
          }
        : {};
    const path = new URL(req.url ?? '/', 'http://codec.invalid').pathname;
    if (path === '/healthz' && req.method === 'GET') return answer(res, 200, { status: 'ok' });
    if (req.method === 'OPTIONS') return void res.writeHead(origin && origins.has(origin) ? 204 : 403, cors).end();
    // Without a token, only a browser from an allowed origin (a local Web UI); with one, whoever holds it.
    const allowed =
      token !== undefined ? sameToken(req.headers.authorization, token) : origin !== undefined && origins.has(origin);
    if (!allowed) return answer(res, 401, { message: 'not authorised' }, cors);
    const action = path.endsWith('/decode') ? 'decode' : path.endsWith('/encode') ? 'encode' : undefined;
    if (req.method !== 'POST' || !action) return answer(res, 404, { message: 'POST /encode or /decode' }, cors);
    let body: unknown;
    try {
      body = await readJson(req, limit);
    } catch (err) {
      return answer(res, err instanceof RangeError ? 413 : 400, { message: (err as Error).message }, cors);
    }
    if (!isPayloadList(body)) return answer(res, 400, { message: 'expected {"payloads": [...]}' }, cors);
    try {
      const payloads = body.payloads.map(toPayload);
      const out = action === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
      return answer(res, 200, { payloads: out.map(toJson) }, cors);
    } catch (err) {
      return answer(res, 400, { message: err instanceof Error ? err.message : 'cannot decode' }, cors);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) answer(res, 500, { message: 'internal error' });
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `http://${urlHost(host)}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
