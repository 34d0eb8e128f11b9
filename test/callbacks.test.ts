// The callback receiver: the IP allowlist and its environment configuration as units, then the handler
// and the standalone server over real HTTP on loopback, signalling real payment workflows on a real
// Temporal dev server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { callbackReceiverConfigFromEnv } from '../src/callbacks/config.js';
import { createCallbackHandler, type CallbackHandlerOptions, type CallbackLogger } from '../src/callbacks/handler.js';
import { createIpAllowlist, senderAddress } from '../src/callbacks/ip-allowlist.js';
import {
  startCallbackServer,
  type CallbackServerOptions,
  type RunningCallbackServer,
} from '../src/callbacks/server.js';
import { ConfigurationError } from '../src/config/errors.js';
import { cancelUpdate } from '../src/contract/index.js';
import { eventually, temporal } from './harness.js';
import { startPayment, state, usePaymentFixture, waitForState } from './payment-fixture.js';

// ---------------------------------------------------------------------------------------------------
// Units

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigurationError, String(err));
    return err.problems;
  }
  return assert.fail('expected a ConfigurationError');
}

describe('callback IP allowlist', () => {
  it('matches exact IPv4 and IPv6 addresses and CIDR ranges, and nothing else', () => {
    const list = createIpAllowlist(['192.0.2.10', '10.0.0.0/8', '2001:db8::/32', '::1']);
    for (const yes of ['192.0.2.10', '10.0.0.0', '10.255.255.255', '2001:db8::1', '2001:db8:ffff::7', '::1']) {
      assert.equal(list.allows(yes), true, yes);
    }
    for (const no of ['192.0.2.11', '11.0.0.0', '9.255.255.255', '2001:db9::1', '::2', '127.0.0.1']) {
      assert.equal(list.allows(no), false, no);
    }
  });

  it('treats IPv4-mapped IPv6 senders and entries as their IPv4 address', () => {
    const v4 = createIpAllowlist(['10.0.0.0/8']);
    assert.equal(v4.allows('::ffff:10.1.2.3'), true);
    assert.equal(v4.allows('::FFFF:10.1.2.3'), true);
    assert.equal(v4.allows('::ffff:a01:203'), true, 'hexadecimal form of 10.1.2.3');
    assert.equal(v4.allows('::ffff:11.1.2.3'), false);
    const mapped = createIpAllowlist(['::ffff:192.0.2.0/120', '::ffff:198.51.100.7']);
    assert.equal(mapped.allows('192.0.2.200'), true);
    assert.equal(mapped.allows('::ffff:192.0.2.200'), true);
    assert.equal(mapped.allows('198.51.100.7'), true);
    assert.equal(mapped.allows('192.0.3.1'), false);
    assert.equal(mapped.allows('198.51.100.8'), false);
  });

  it('never allows an absent or unparsable sender', () => {
    const list = createIpAllowlist(['0.0.0.0/0', '::/0']);
    assert.equal(list.allows('203.0.113.9'), true);
    assert.equal(list.allows(undefined), false);
    assert.equal(list.allows('not-an-ip'), false);
    assert.equal(list.allows(''), false);
  });

  it('refuses bad entries, naming each, and an empty list', () => {
    const problems = problemsOf(() =>
      createIpAllowlist(['10.0.0.0/8', '10.0.0.0/33', 'example.com', '1.2.3.4/8/1', '::1/129', '10.0.0.0/x', '']),
    );
    assert.equal(problems.length, 6, problems.join('\n'));
    for (const bad of ['10.0.0.0/33', 'example.com', '1.2.3.4/8/1', '::1/129', '10.0.0.0/x']) {
      assert.ok(
        problems.some((p) => p.includes(`"${bad}"`)),
        `${bad} named in ${problems.join('; ')}`,
      );
    }
    assert.match(problemsOf(() => createIpAllowlist([])).join(), /empty/);
  });
});

describe('callback sender address', () => {
  const req = (remoteAddress: string | undefined, forwardedFor?: string | string[]) =>
    ({
      socket: { remoteAddress },
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    }) as unknown as IncomingMessage;

  it('is the TCP peer, and X-Forwarded-For is ignored unless proxies are trusted', () => {
    assert.equal(senderAddress(req('127.0.0.1', '10.1.2.3')), '127.0.0.1');
    assert.equal(senderAddress(req('::ffff:127.0.0.1', '10.1.2.3'), 0), '127.0.0.1');
    assert.equal(senderAddress(req(undefined)), undefined);
  });

  it('with n trusted proxies, is the entry before the last n-1 forwarded ones', () => {
    const viaTwo = req('172.16.0.1', '203.0.113.50, 10.1.2.3, 172.16.0.9');
    assert.equal(senderAddress(viaTwo, 1), '172.16.0.9');
    assert.equal(senderAddress(viaTwo, 2), '10.1.2.3');
    assert.equal(senderAddress(viaTwo, 3), '203.0.113.50');
    assert.equal(senderAddress(viaTwo, 9), '203.0.113.50', 'fewer entries than proxies: the farthest');
    assert.equal(senderAddress(req('172.16.0.1'), 1), '172.16.0.1', 'no header: the peer');
    assert.equal(senderAddress(req('172.16.0.1', ['203.0.113.50', '10.1.2.3']), 1), '10.1.2.3', 'repeated header');
  });

  it('reads entries with ports and brackets, and gives undefined for garbage', () => {
    assert.equal(senderAddress(req('172.16.0.1', '10.1.2.3:51234'), 1), '10.1.2.3');
    assert.equal(senderAddress(req('172.16.0.1', '[2001:db8::5]:443'), 1), '2001:db8::5');
    assert.equal(senderAddress(req('172.16.0.1', '2001:db8::5'), 1), '2001:db8::5');
    assert.equal(senderAddress(req('172.16.0.1', '::ffff:10.1.2.3'), 1), '10.1.2.3');
    assert.equal(senderAddress(req('172.16.0.1', 'unknown'), 1), undefined);
  });
});

describe('callback receiver configuration from the environment', () => {
  it('has safe defaults: loopback, port 8089, /callbacks, any sender, no proxy', () => {
    assert.deepEqual(callbackReceiverConfigFromEnv({}), {
      port: 8089,
      host: '127.0.0.1',
      path: '/callbacks',
      trustProxy: 0,
    });
    for (const empty of ['', '  ']) {
      assert.equal(callbackReceiverConfigFromEnv({ SWEDBANK_PAY_CALLBACK_ALLOWED_IPS: empty }).allowedIps, undefined);
    }
  });

  it('refuses an allowlist of only commas rather than accept any sender', () => {
    for (const commas of [',', ' , ', ',,']) {
      assert.deepEqual(
        problemsOf(() => callbackReceiverConfigFromEnv({ SWEDBANK_PAY_CALLBACK_ALLOWED_IPS: commas })),
        [
          'SWEDBANK_PAY_CALLBACK_ALLOWED_IPS lists no address (set addresses or CIDR ranges, or leave it empty for any sender)',
        ],
      );
    }
  });

  it('reads every variable', () => {
    assert.deepEqual(
      callbackReceiverConfigFromEnv({
        SWEDBANK_PAY_CALLBACK_PORT: '9000',
        SWEDBANK_PAY_CALLBACK_HOST: '0.0.0.0',
        SWEDBANK_PAY_CALLBACK_PATH: '/swedbank-pay/callbacks',
        SWEDBANK_PAY_CALLBACK_ALLOWED_IPS: '192.0.2.0/24, 2001:db8::/32,198.51.100.7',
        SWEDBANK_PAY_CALLBACK_TRUST_PROXY: '1',
      }),
      {
        port: 9000,
        host: '0.0.0.0',
        path: '/swedbank-pay/callbacks',
        allowedIps: ['192.0.2.0/24', '2001:db8::/32', '198.51.100.7'],
        trustProxy: 1,
      },
    );
    assert.equal(callbackReceiverConfigFromEnv({ SWEDBANK_PAY_CALLBACK_TRUST_PROXY: 'false' }).trustProxy, 0);
  });

  it('names every problem at once', () => {
    const problems = problemsOf(() =>
      callbackReceiverConfigFromEnv({
        SWEDBANK_PAY_CALLBACK_PORT: '70000',
        SWEDBANK_PAY_CALLBACK_HOST: 'not a host',
        SWEDBANK_PAY_CALLBACK_PATH: 'callbacks',
        SWEDBANK_PAY_CALLBACK_ALLOWED_IPS: '10.0.0.0/8,10.0.0.300',
        SWEDBANK_PAY_CALLBACK_TRUST_PROXY: 'true',
      }),
    );
    assert.equal(problems.length, 5, problems.join('\n'));
    for (const name of ['PORT', 'HOST', 'PATH', 'ALLOWED_IPS', 'TRUST_PROXY']) {
      assert.ok(
        problems.some((p) => p.startsWith(`SWEDBANK_PAY_CALLBACK_${name}`)),
        `${name} in ${problems.join('; ')}`,
      );
    }
    assert.ok(problems.some((p) => p.includes('"10.0.0.300"')));
  });

  it('refuses port 0, a non-number port, the health check path and a query in the path', () => {
    for (const [name, value] of [
      ['PORT', '0'],
      ['PORT', '80a'],
      ['PATH', '/healthz'],
      ['PATH', '/callbacks?x=1'],
      ['TRUST_PROXY', '-1'],
    ] as const) {
      const problems = problemsOf(() => callbackReceiverConfigFromEnv({ [`SWEDBANK_PAY_CALLBACK_${name}`]: value }));
      assert.equal(problems.length, 1, `${name}=${value}: ${problems.join('; ')}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Over HTTP, against real payment workflows

const fx = usePaymentFixture(temporal);

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: { status?: number; message?: string };
}

function readAnswer(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Answer['body'] = {};
      try {
        body = JSON.parse(text) as Answer['body'];
      } catch {
        body = { message: text };
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
    });
  });
}

/** One HTTP request on a fresh connection; `body` objects are sent as JSON. */
function send(
  url: string,
  { method = 'POST', body, headers = {} }: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: {
          ...(payload !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
      },
      (res) => {
        readAnswer(res).then(resolve, reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A request whose body never ends: `prefix` is written, then the request stays open. Resolves with
 * the answer the receiver gives without waiting for the rest.
 */
function sendUnfinished(url: string, prefix: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        readAnswer(res).then(resolve, reject);
        res.on('end', () => req.destroy());
      },
    );
    req.on('error', () => {}); // the receiver may close the connection under the unfinished body
    req.setTimeout(5_000, () => {
      req.destroy();
      reject(new Error('no answer while the body was unfinished'));
    });
    req.write(prefix);
  });
}

function callbackBody(paymentId: string, kind = 'captures') {
  return {
    payment: { id: paymentId, number: 72100003079 },
    transaction: { id: `${paymentId}/${kind}/${randomUUID()}`, number: 72100003080 },
  };
}

/** Callback signals in the workflow's history. */
async function callbackSignals(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'callback').length;
}

/**
 * Asserts the history holds exactly `expected` callback signals. A signal that arrives during a
 * workflow task is written when the task completes, so this waits for `expected` to land first;
 * since signals land in order, one sent by mistake before the last expected one is counted too.
 */
async function assertCallbackSignals(handle: WorkflowHandle, expected: number, message?: string): Promise<void> {
  const count = await eventually(
    async () => {
      const n = await callbackSignals(handle);
      return n >= expected ? n : undefined;
    },
    { attempts: 100, intervalMs: 50, what: `${expected} callback signals` },
  );
  assert.equal(count, expected, message);
}

let sentinelUrl: Promise<string> | undefined;

/** A valid callback through a receiver without restrictions: lands after anything sent before it. */
async function sendSentinel(paymentId: string): Promise<void> {
  sentinelUrl ??= mounted({});
  const answer = await send(await sentinelUrl, { body: callbackBody(paymentId) });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

interface LogLine {
  level: 'info' | 'warn';
  message: string;
  meta: Record<string, unknown>;
}

function recordingLogger(): { lines: LogLine[]; logger: CallbackLogger } {
  const lines: LogLine[] = [];
  return {
    lines,
    logger: {
      info: (message, meta = {}) => lines.push({ level: 'info', message, meta }),
      warn: (message, meta = {}) => lines.push({ level: 'warn', message, meta }),
    },
  };
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function receiver(options: Partial<CallbackServerOptions> = {}): Promise<RunningCallbackServer> {
  const server = await startCallbackServer({ client: fx.env.client, port: 0, ...options });
  closers.push(() => server.close());
  return server;
}

/** The bare handler on a plain node:http server, optionally behind a `before` step of its own. */
async function mounted(
  options: Partial<CallbackHandlerOptions>,
  before?: (req: IncomingMessage & { body?: unknown }) => Promise<void>,
): Promise<string> {
  const handler = createCallbackHandler({ client: fx.env.client, ...options });
  const server: Server = createServer((req, res) => {
    void (async () => {
      await before?.(req);
      handler(req, res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

describe('callback receiver', () => {
  it('signals the payment workflow: 200, and callbacksReceived goes up by one', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const { lines, logger } = recordingLogger();
    const server = await receiver({ logger });
    const before = await state(handle);
    const signalsBefore = await callbackSignals(handle);
    const body = callbackBody(paymentId);

    const answer = await send(server.url, { body });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    await assertCallbackSignals(handle, signalsBefore + 1);
    await waitForState(handle, (s) => s.callbacksReceived === before.callbacksReceived + 1, {
      what: 'callback counted',
    });
    assert.deepEqual(lines, [
      {
        level: 'info',
        message: 'Swedbank Pay callback: signalled',
        meta: {
          outcome: 'signalled',
          status: 200,
          paymentId,
          transactionId: body.transaction.id,
          sender: '127.0.0.1',
        },
      },
    ]);
  });

  it('a payment order callback (v3.1: only the paymentOrder node) signals its workflow with the ids alone', async () => {
    const { handle, paymentId } = await startPayment(fx, { instrument: 'paymentorder' });
    const { lines, logger } = recordingLogger();
    const server = await receiver({ logger });
    const before = await state(handle);
    const body = {
      orderReference: 'order-549213',
      paymentOrder: { id: paymentId, instrument: 'CreditCard', number: 12345678 },
      unknown: { field: 'not forwarded' },
    };
    const answer = await send(server.url, { body });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    await waitForState(handle, (s) => s.callbacksReceived === before.callbacksReceived + 1, {
      what: 'callback counted',
    });
    const events = (await handle.fetchHistory()).events ?? [];
    const forwarded = events
      .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'callback')
      .flatMap((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [])
      .map((payload) => JSON.parse(Buffer.from(payload.data ?? []).toString()) as unknown);
    assert.deepEqual(forwarded.at(-1), {
      paymentOrder: { id: paymentId, number: 12345678, instrument: 'CreditCard' },
      orderReference: 'order-549213',
    });
    assert.deepEqual(
      lines.map((l) => [l.meta?.outcome, l.meta?.paymentId]),
      [['signalled', paymentId]],
    );
    const wrong = await send(server.url, { body: { paymentOrder: { id: `${paymentId}/captures`, number: 1 } } });
    assert.equal(wrong.status, 400);
  });

  it("the portal's v3.1 callback example as written (a comma missing) still wakes its payment order", async () => {
    const { handle, paymentId } = await startPayment(fx, { instrument: 'paymentorder' });
    const { lines, logger } = recordingLogger();
    const server = await receiver({ logger });
    const before = await state(handle);
    const body = `{
    "orderReference": "549213",
    "paymentOrder": {
        "id": "${paymentId}",
        "instrument": "paymentorders"
        "number": 12345678
    }
}`;
    const answer = await send(server.url, { body });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    await waitForState(handle, (s) => s.callbacksReceived === before.callbacksReceived + 1, {
      what: 'callback counted',
    });
    assert.deepEqual(
      lines.map((l) => [l.meta?.outcome, l.meta?.paymentId, l.meta?.salvaged]),
      [['signalled', paymentId, true]],
    );
    // Text naming two payment orders, or none under paymentOrder, is still not a callback.
    const other = paymentId.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const two = `{"paymentOrder": {"id": "${paymentId}" "x": {"id": "${other}"}}}`;
    assert.equal((await send(server.url, { body: two })).status, 400);
    assert.equal((await send(server.url, { body: `{"payment": {"id": "${paymentId}" }` })).status, 400);
  });

  it('duplicates are harmless: both 200, only the count changes, no new transactions', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const server = await receiver();
    const before = await state(handle);
    const emulatorBefore = await fx.admin.payment(paymentId);
    const body = callbackBody(paymentId);

    const answers = [await send(server.url, { body }), await send(server.url, { body })];
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200],
    );
    const after = await waitForState(handle, (s) => s.callbacksReceived === before.callbacksReceived + 2, {
      what: 'both callbacks counted',
    });
    assert.deepEqual(
      { ...after, callbacksReceived: before.callbacksReceived },
      before,
      'nothing but the count changed',
    );
    const emulatorAfter = await fx.admin.payment(paymentId);
    assert.deepEqual(emulatorAfter.transactions, emulatorBefore.transactions);
    assert.deepEqual(emulatorAfter.totals, emulatorBefore.totals);
  });

  it('malformed JSON, a wrong shape or an unknown kind of payment id: 400, nothing signalled', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const { lines, logger } = recordingLogger();
    const server = await receiver({ logger });
    const before = await state(handle);
    const signalsBefore = await callbackSignals(handle);
    const valid = callbackBody(paymentId);

    const bad: unknown[] = [
      '{"payment": {"id": ',
      '',
      'null',
      '[]',
      { payment: { id: paymentId, number: 1 } },
      { ...valid, payment: { id: paymentId } },
      { ...valid, payment: { id: paymentId, number: -1 } },
      { ...valid, payment: { id: 'https://evil.example/psp/creditcard/payments/x', number: 1 } },
      { ...valid, payment: { id: paymentId.replace('creditcard', 'vipps'), number: 1 } },
    ];
    for (const body of bad) {
      const answer = await send(server.url, { body });
      assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
    }
    const form = await send(server.url, {
      body: 'payment=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 400);

    assert.equal(lines.length, bad.length + 1, 'one log line per callback');
    await sendSentinel(paymentId);
    await assertCallbackSignals(handle, signalsBefore + 1, 'only the valid callback signalled');
    await waitForState(handle, (s) => s.callbacksReceived >= before.callbacksReceived + 1);
    assert.equal((await state(handle)).callbacksReceived, before.callbacksReceived + 1);
    assert.ok(lines.every((l) => l.level === 'warn' && l.meta.status === 400));
  });

  it('oversized bodies: 413 without reading to the end, nothing signalled', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const server = await receiver({ maxBodyBytes: 1_024 });
    const signalsBefore = await callbackSignals(handle);
    const padded = { ...callbackBody(paymentId), padding: 'x'.repeat(2_000) };

    const declared = await send(server.url, { body: padded });
    assert.equal(declared.status, 413, 'a Content-Length over the limit');
    assert.equal(declared.headers.connection, 'close');
    // Chunked, and never finished: the answer must come once the limit is passed.
    const streamed = await sendUnfinished(server.url, Buffer.alloc(4_096, 0x20));
    assert.equal(streamed.status, 413);

    // Under the limit is fine (a small limit, a real callback); only that one is signalled.
    assert.equal((await send(server.url, { body: callbackBody(paymentId) })).status, 200);
    await assertCallbackSignals(handle, signalsBefore + 1);
  });

  it('an unknown payment: 404 and no workflow appears', async () => {
    const server = await receiver();
    const paymentId = `/psp/creditcard/payments/${randomUUID()}`;
    const answer = await send(server.url, { body: callbackBody(paymentId) });
    assert.equal(answer.status, 404, JSON.stringify(answer.body));
    const handle = fx.env.client.workflow.getHandle(`swedbank-pay-creditcard-${paymentId.split('/').pop()}`);
    await assert.rejects(handle.describe(), WorkflowNotFoundError);
  });

  it('only POST: 405 with Allow', async () => {
    const { paymentId } = await startPayment(fx);
    const server = await receiver();
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await send(server.url, { method, body: method === 'GET' ? undefined : callbackBody(paymentId) });
      assert.equal(answer.status, 405, method);
      assert.equal(answer.headers.allow, 'POST');
    }
  });

  it('a closed workflow: 200 "payment lifecycle already closed", logged at info', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 5_000, policy: { reversalWindowMs: 300 } });
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reference: 'order-closed' }] });
    assert.equal(cancelled.state, 'Completed', JSON.stringify(cancelled));
    // Nothing left to capture or cancel: the workflow closes once the (short) reversal window ends.
    let closed = false;
    for (let i = 0; i < 100 && !closed; i++) {
      closed = (await handle.describe()).status.name === 'COMPLETED';
      if (!closed) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(closed, 'the workflow completed');
    const { lines, logger } = recordingLogger();
    const server = await receiver({ logger });

    const answer = await send(server.url, { body: callbackBody(paymentId, 'cancellations') });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.message, 'payment lifecycle already closed');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 'info');
    assert.equal(lines[0]!.meta.outcome, 'workflow-closed');
    assert.equal(lines[0]!.meta.paymentId, paymentId);
    assert.equal(lines[0]!.meta.workflowStatus, 'COMPLETED');
  });

  it('a Temporal that does not answer: 503 within the signal timeout', async () => {
    // A TCP listener that accepts and never speaks: every gRPC call hangs.
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const connection = Connection.lazy({ address: `127.0.0.1:${(silent.address() as AddressInfo).port}` });
    closers.push(async () => {
      await connection.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const { lines, logger } = recordingLogger();
    const url = await mounted({ client: new Client({ connection }), signalTimeoutMs: 300, logger });

    const started = Date.now();
    const answer = await send(`${url}/callbacks`, { body: callbackBody(`/psp/creditcard/payments/${randomUUID()}`) });
    const elapsed = Date.now() - started;
    assert.equal(answer.status, 503, JSON.stringify(answer.body));
    assert.ok(elapsed >= 250 && elapsed < 3_000, `answered after ${elapsed} ms`);
    assert.equal(lines[0]?.meta.outcome, 'timeout');
  });
});

describe('callback receiver: who may send', () => {
  it('a sender outside the allowlist: 403 before the body is read, nothing signalled', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const { lines, logger } = recordingLogger();
    const server = await receiver({ allowedIps: ['10.0.0.0/8'], logger });
    const signalsBefore = await callbackSignals(handle);

    assert.equal((await send(server.url, { body: callbackBody(paymentId) })).status, 403);
    assert.equal((await sendUnfinished(server.url, '{"payment":')).status, 403, 'answered without the body');
    await sendSentinel(paymentId);
    await assertCallbackSignals(handle, signalsBefore + 1, 'only the sentinel signalled');
    assert.equal(lines[0]?.meta.sender, '127.0.0.1');
    assert.equal(lines[0]?.meta.paymentId, undefined, 'the body was never read');
  });

  it('a sender on the allowlist (exact, range, or IPv6 next to it): 200', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const signalsBefore = await callbackSignals(handle);
    for (const allowedIps of [['127.0.0.1/32'], ['127.0.0.1'], ['::1', '10.0.0.0/8', '127.0.0.0/8']]) {
      const server = await receiver({ allowedIps });
      assert.equal((await send(server.url, { body: callbackBody(paymentId) })).status, 200, allowedIps.join());
    }
    await assertCallbackSignals(handle, signalsBefore + 3);
  });

  it('X-Forwarded-For counts only with trustProxy', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const signalsBefore = await callbackSignals(handle);
    const forwarded = { 'x-forwarded-for': '10.1.2.3' };

    const untrusting = await receiver({ allowedIps: ['10.0.0.0/8'] });
    assert.equal((await send(untrusting.url, { body: callbackBody(paymentId), headers: forwarded })).status, 403);

    const { lines, logger } = recordingLogger();
    const behindProxy = await receiver({ allowedIps: ['10.0.0.0/8'], trustProxy: 1, logger });
    assert.equal((await send(behindProxy.url, { body: callbackBody(paymentId), headers: forwarded })).status, 200);
    assert.equal(lines[0]?.meta.sender, '10.1.2.3');
    assert.equal((await send(behindProxy.url, { body: callbackBody(paymentId) })).status, 403, 'the proxy itself');

    const loopbackOnly = await receiver({ allowedIps: ['127.0.0.1'], trustProxy: 1 });
    assert.equal((await send(loopbackOnly.url, { body: callbackBody(paymentId), headers: forwarded })).status, 403);

    await assertCallbackSignals(handle, signalsBefore + 1);
  });

  it('bad allowlist entries are refused when the handler is created', () => {
    assert.throws(
      () => createCallbackHandler({ client: fx.env.client, allowedIps: ['10.0.0.0/8', '10.0.0.0/40'] }),
      (err: unknown) => err instanceof ConfigurationError && err.problems.length === 1,
    );
  });
});

describe('callback receiver: mounting', () => {
  it('the bare handler answers on any path', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const url = await mounted({});
    const signalsBefore = await callbackSignals(handle);
    assert.equal((await send(`${url}/hooks/swedbank-pay?order=1`, { body: callbackBody(paymentId) })).status, 200);
    await assertCallbackSignals(handle, signalsBefore + 1);
  });

  it('takes a body that middleware already parsed (req.body), as with express.json()', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const parsed = await mounted({}, async (req) => {
      req.body = JSON.parse(await readAll(req)) as unknown;
    });
    const asText = await mounted({}, async (req) => {
      req.body = await readAll(req);
    });
    const signalsBefore = await callbackSignals(handle);
    assert.equal((await send(parsed, { body: callbackBody(paymentId) })).status, 200);
    assert.equal((await send(asText, { body: callbackBody(paymentId) })).status, 200);
    assert.equal((await send(parsed, { body: { payment: { id: paymentId } } })).status, 400);
    await assertCallbackSignals(handle, signalsBefore + 2);
  });

  it('a body consumed by middleware that kept nothing: 500 at once, not a hang', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const url = await mounted({}, async (req) => {
      await readAll(req);
    });
    const signalsBefore = await callbackSignals(handle);
    const answer = await send(url, { body: callbackBody(paymentId) });
    assert.equal(answer.status, 500);
    assert.match(answer.body.message ?? '', /consumed/);
    await sendSentinel(paymentId);
    await assertCallbackSignals(handle, signalsBefore + 1, 'only the sentinel signalled');
  });
});

describe('standalone callback server', () => {
  it('routes its path (query ignored), /healthz, and 404 elsewhere', async () => {
    const { handle, paymentId } = await startPayment(fx);
    const server = await receiver({ path: '/swedbank-pay/callbacks' });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/swedbank-pay\/callbacks$/);
    const origin = new URL(server.url).origin;
    const signalsBefore = await callbackSignals(handle);

    const health = await send(`${origin}/healthz`, { method: 'GET' });
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
    assert.equal((await send(`${origin}/healthz`, { method: 'POST', body: {} })).status, 405);
    assert.equal((await send(`${origin}/callbacks`, { body: callbackBody(paymentId) })).status, 404);
    assert.equal((await send(`${origin}/`, { method: 'GET' })).status, 404);

    assert.equal((await send(`${server.url}?orderId=1`, { body: callbackBody(paymentId) })).status, 200);
    await assertCallbackSignals(handle, signalsBefore + 1, 'the 404s signalled nothing');
  });

  it('close() stops it listening', async () => {
    const server = await startCallbackServer({ client: fx.env.client, port: 0 });
    assert.equal((await send(new URL('/healthz', server.url).href, { method: 'GET' })).status, 200);
    await server.close();
    await server.close(); // idempotent
    await assert.rejects(send(new URL('/healthz', server.url).href, { method: 'GET' }), /ECONNREFUSED/);
  });

  it('refuses a path that is the health check or not a path', async () => {
    for (const path of ['/healthz', 'callbacks', '/a b']) {
      await assert.rejects(startCallbackServer({ client: fx.env.client, port: 0, path }), ConfigurationError, path);
    }
  });
});
