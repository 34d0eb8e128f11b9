import assert from 'node:assert/strict';
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import {
  AbortedExchange,
  AnswerTooLargeError,
  exchange,
  UnreadableEncodingError,
} from '../../src/swedbank/http-exchange.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback server whose answer each test sets; it records what it was sent. */
function loopback(): {
  url: (path: string) => URL;
  seen: Seen[];
  answer: { fn: (res: ServerResponse) => void };
  start: () => Promise<void>;
  stop: () => Promise<void>;
} {
  const seen: Seen[] = [];
  const answer = { fn: (res: ServerResponse) => res.end('{}') };
  let server: Server | undefined;
  return {
    seen,
    answer,
    url: (path) => new URL(path, `http://127.0.0.1:${(server!.address() as AddressInfo).port}`),
    start: () =>
      new Promise((resolve) => {
        server = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            seen.push({
              method: req.method!,
              path: req.url!,
              headers: req.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
            answer.fn(res);
          });
        });
        server.listen(0, '127.0.0.1', () => resolve());
      }),
    stop: () =>
      new Promise((resolve) => {
        server!.closeAllConnections();
        server!.close(() => resolve());
      }),
  };
}

describe('one HTTP exchange', () => {
  const server = loopback();
  const agent = new Agent({ keepAlive: true });
  const signal = () => new AbortController().signal;
  before(() => server.start());
  after(async () => {
    agent.destroy();
    await server.stop();
  });

  it('sends the body whole, as UTF-8 with its length, and reads the whole answer', async () => {
    server.answer.fn = (res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '3' });
      res.write('{"description":"Frakt ');
      res.end('och förpackning"}');
    };
    const body = JSON.stringify({ transaction: { description: 'Återbetalning' } });
    const answer = await exchange(server.url('/psp/creditcard/payments/p1/captures'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      agent,
      signal: signal(),
    });
    assert.deepEqual(
      [answer.status, answer.text, answer.headers['retry-after']],
      [201, '{"description":"Frakt och förpackning"}', '3'],
    );
    const sent = server.seen.at(-1)!;
    assert.equal(sent.body, body);
    assert.equal(sent.headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(sent.headers['transfer-encoding'], undefined, 'never chunked');
  });

  it('reads UTF-8 without a leading byte-order mark, which JSON.parse would refuse', async () => {
    server.answer.fn = (res) => res.writeHead(200).end('\uFEFF{"payment":{}}');
    const answer = await exchange(server.url('/bom'), { method: 'GET', headers: {}, agent, signal: signal() });
    assert.deepEqual(JSON.parse(answer.text), { payment: {} });
  });

  it('sends a GET without a body and reads an empty answer as empty text', async () => {
    server.answer.fn = (res) => res.writeHead(204).end();
    const answer = await exchange(server.url('/x'), { method: 'GET', headers: {}, agent, signal: signal() });
    assert.deepEqual([answer.status, answer.text], [204, '']);
    assert.equal(server.seen.at(-1)!.headers['content-length'], undefined);
  });

  it('hands a redirect back as an answer and never follows it', async () => {
    server.answer.fn = (res) => res.writeHead(307, { location: '/elsewhere' }).end();
    const before = server.seen.length;
    const answer = await exchange(server.url('/here'), { method: 'GET', headers: {}, agent, signal: signal() });
    assert.equal(answer.status, 307);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      server.seen.slice(before).map((s) => s.path),
      ['/here'],
    );
  });

  it('stops reading an answer past its bound and drops the connection', async () => {
    server.answer.fn = (res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const more = () => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent < 64 && !res.destroyed) res.once('drain', more);
        else res.end();
      };
      more();
    };
    const err = await exchange(server.url('/big'), {
      method: 'GET',
      headers: {},
      agent,
      signal: signal(),
      maxAnswerBytes: 100_000,
    }).then(
      () => assert.fail('a 4 MiB answer was read past a 100 kB bound'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AnswerTooLargeError);
    assert.deepEqual([err.status, err.maxBytes], [200, 100_000]);
  });

  it('reads an answer in a content coding HTTP lets the server choose, within the same bound', async () => {
    const json = JSON.stringify({ payment: { id: '/psp/creditcard/payments/p1', state: 'Ready' } });
    const get = (max?: number) =>
      exchange(server.url('/coded'), {
        method: 'GET',
        headers: {},
        agent,
        signal: signal(),
        ...(max && { maxAnswerBytes: max }),
      });
    server.answer.fn = (res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(json));
    assert.equal((await get()).text, json);
    server.answer.fn = (res) => res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(json));
    assert.equal((await get()).text, json);
    for (const deflated of [deflateSync(json), deflateRawSync(json)]) {
      server.answer.fn = (res) => res.writeHead(200, { 'content-encoding': 'deflate' }).end(deflated);
      assert.equal((await get()).text, json, 'deflate, zlib-wrapped or raw');
    }
    // 10 MB of zeros compress to about 10 kB: decoded, it would pass the bound.
    const bomb = gzipSync(Buffer.alloc(10_000_000));
    server.answer.fn = (res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb);
    await assert.rejects(get(1_000_000), AnswerTooLargeError);
    server.answer.fn = (res) => res.writeHead(200, { 'content-encoding': 'compress' }).end('x');
    await assert.rejects(get(), UnreadableEncodingError);
  });

  it('rejects an answer cut off before its end', async () => {
    server.answer.fn = (res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"payment":');
      setTimeout(() => res.destroy(), 20);
    };
    await assert.rejects(exchange(server.url('/cut'), { method: 'GET', headers: {}, agent, signal: signal() }));
  });

  it('stops when its signal aborts, before or while the answer comes', async () => {
    server.answer.fn = (res) => {
      res.writeHead(200);
      res.write('{');
    };
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(
      exchange(server.url('/a'), { method: 'GET', headers: {}, agent, signal: aborted.signal }),
      AbortedExchange,
    );
    const controller = new AbortController();
    const pending = exchange(server.url('/b'), { method: 'GET', headers: {}, agent, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, AbortedExchange);
  });

  it('refuses a protocol switch at once instead of waiting out its timeout', async () => {
    const raw = createTcpServer((socket) =>
      socket.once('data', () =>
        socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n'),
      ),
    );
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    try {
      const url = new URL(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/switch`);
      const err = await exchange(url, { method: 'GET', headers: {}, agent, signal: AbortSignal.timeout(10_000) }).then(
        () => assert.fail('a 101 read as an answer'),
        (e: unknown) => e,
      );
      assert.match(String(err), /answered 101, a protocol switch not asked for/);
    } finally {
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });

  it('reports a refused connection with its code', async () => {
    const closed = loopback();
    await closed.start();
    const url = closed.url('/nowhere');
    await closed.stop();
    await assert.rejects(
      exchange(url, { method: 'POST', headers: {}, body: '{}', agent, signal: signal() }),
      (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
    );
  });
});
