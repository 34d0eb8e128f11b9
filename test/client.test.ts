// The Swedbank Pay client against the emulator over real HTTP: every fault mode surfaces as the
// right typed error (final or transient), lost answers are found by payeeReference, and the bearer
// token never appears in anything thrown.
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import { EmulatorAdmin } from '../src/emulator/admin-client.js';
import { startEmulator, type FaultRuleInput, type RunningEmulator } from '../src/emulator/index.js';
import { SwedbankPayClient } from '../src/swedbank/client.js';
import {
  InvalidRequestError,
  OperationNotAvailableError,
  PayeeReferenceAlreadyUsedError,
  ProblemError,
  RateLimitedError,
  type SwedbankPayError,
  TransportError,
  UnexpectedResponseError,
} from '../src/swedbank/errors.js';
import { CANARY, TEST_TOKEN } from './secrets.js';

let emulator: RunningEmulator;
let admin: EmulatorAdmin;
let client: SwedbankPayClient;
/** Every error any test caught, searched for the token at the end. */
const thrown: unknown[] = [];

before(async () => {
  emulator = await startEmulator({ token: TEST_TOKEN, seed: 11 });
  admin = new EmulatorAdmin(emulator.baseUrl);
  client = new SwedbankPayClient({ baseUrl: emulator.baseUrl, token: TEST_TOKEN, timeoutMs: 1_000 });
});
afterEach(() => admin.clearFaults());
after(async () => {
  client.close();
  await emulator.close();
});

let refs = 0;
const ref = () => `CL${process.pid}N${++refs}`;

async function payment(amount = 10_000, instrument: 'creditcard' | 'invoice' = 'creditcard'): Promise<string> {
  return (await admin.createPayment({ instrument, amount, vatAmount: 0, currency: 'SEK' })).payment.id;
}

async function captures(paymentId: string) {
  return (await admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture');
}

/** Runs `fn`, expects it to throw an instance of `type`, keeps the error for the token search. */
async function fails<E extends SwedbankPayError>(
  fn: () => Promise<unknown>,
  type: new (...a: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    thrown.push(err);
    assert.ok(err instanceof type, `expected ${type.name}, got ${inspect(err)}`);
    return err;
  }
  assert.fail(`expected ${type.name}, nothing was thrown`);
}

async function withFault(fault: FaultRuleInput['fault'], operation: FaultRuleInput['operation'] = 'capture') {
  await admin.setFaults([{ operation, fault, times: 1 }]);
}

/** Swedbank Pay's 404 problem. */
function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'https://api.payex.com/psp/errordetail/notfound', title: 'Not found', status: 404 }));
}

/** A loopback stand-in for Swedbank Pay answering with `answer`, and a client of it, for one test. */
async function withStub(answer: RequestListener, use: (stubClient: SwedbankPayClient) => Promise<void>): Promise<void> {
  const stub = createServer(answer);
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  const stubClient = new SwedbankPayClient({
    baseUrl: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
    token: TEST_TOKEN,
  });
  try {
    await use(stubClient);
  } finally {
    stubClient.close();
    await new Promise<void>((r) => stub.close(() => r()));
  }
}

describe('client: happy paths over HTTP', () => {
  it('captures, cancels the rest, reverses and deletes a token, following operations by rel', async () => {
    const id = await payment(10_000);
    const capture = await client.capture(id, {
      amount: 6_000,
      vatAmount: 1_200,
      description: 'Shipment 1',
      payeeReference: ref(),
    });
    assert.equal(capture.transaction.state, 'Completed');
    const cancellation = await client.cancel(id, { description: 'Rest', payeeReference: ref() });
    assert.equal(cancellation.transaction.amount, 4_000);
    const reversal = await client.reverse(id, {
      amount: 1_000,
      vatAmount: 200,
      description: 'Return',
      payeeReference: ref(),
    });
    assert.match(reversal.id, /\/reversal\//);
    const { payment: p } = await client.getPayment(id);
    assert.deepEqual([p.remainingCaptureAmount, p.remainingReversalAmount], [0, 5_000]);
    const tokenPayment = await admin.createPayment({
      instrument: 'creditcard',
      amount: 100,
      vatAmount: 0,
      currency: 'SEK',
      paymentToken: 'tok-client-1',
    });
    assert.ok(tokenPayment.payment.id);
    const data = await client.deleteToken({
      paymentToken: 'tok-client-1',
      tokenType: 'PaymentToken',
      comment: 'closed',
    });
    assert.equal(data.isDeleted, true);
  });

  it('captures an invoice payment with item descriptions and VAT summary', async () => {
    const id = await payment(5_000, 'invoice');
    const entry = await client.capture(id, {
      amount: 5_000,
      vatAmount: 1_000,
      description: 'Invoice capture',
      payeeReference: ref(),
      itemDescriptions: [{ amount: 5_000, description: 'Order 1' }],
      vatSummary: [{ amount: 5_000, vatPercent: 2500, vatAmount: 1_000 }],
    });
    assert.equal(entry.transaction.amount, 5_000);
  });
});

describe('client: headers as documented', () => {
  it('every request carries the bearer token and Content-Type, GETs included (v3.1: version=3.1)', async () => {
    const seen: { method?: string; contentType?: string; authorization?: string }[] = [];
    await withStub(
      (req, res) => {
        seen.push({
          method: req.method,
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
        });
        notFound(res);
      },
      async (stubClient) => {
        await fails(() => stubClient.getPayment('/psp/creditcard/payments/abc'), ProblemError);
        await fails(() => stubClient.paymentOrders().get('/psp/paymentorders/abc'), ProblemError);
        assert.deepEqual(seen, [
          { method: 'GET', contentType: 'application/json', authorization: `Bearer ${TEST_TOKEN}` },
          { method: 'GET', contentType: 'application/json;version=3.1', authorization: `Bearer ${TEST_TOKEN}` },
        ]);
      },
    );
  });
});

describe('client: tolerant reading', () => {
  it('reads a field the portal calls nullable, given as null, as absent; one odd token leaves the others readable; failed attempts under either spelling', async () => {
    const order = '/psp/paymentorders/8be318c1-1caa-4db1-e2c6-08d7bf41224d';
    const token = '5a17c24e-d459-4567-bbad-aa0f17a76119';
    const bodies: Record<string, unknown> = {
      [order]: {
        paymentOrder: {
          id: order,
          status: 'Paid',
          currency: 'SEK',
          amount: 1500,
          vatAmount: 375,
          remainingCaptureAmount: null,
          description: null,
          paid: { id: `${order}/paid` },
        },
        operations: [],
      },
      [`${order}/paid`]: {
        paid: {
          id: `${order}/paid`,
          number: null,
          amount: 1500,
          tokens: [
            { type: 'payment', token },
            { type: 'transactionsOnFile', token: 'on file: not a guid' },
          ],
        },
      },
      // Only under the spelling of the portal's GET example; the order gives no link to it.
      [`${order}/failedpostpurchaseattempts`]: {
        postPurchaseFailedAttempts: {
          id: `${order}/postpurchasefailedattempts`,
          postpurchaseFailedAttemptList: [{ type: 'Reversal', status: 'Failed', number: null }],
        },
      },
    };
    await withStub(
      (req, res) => {
        const body = bodies[req.url ?? ''];
        if (!body) {
          notFound(res);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json;version=3.1' });
        res.end(JSON.stringify(body));
      },
      async (stubClient) => {
        const po = stubClient.paymentOrders();
        const resource = await po.get(order);
        assert.equal(resource.paymentOrder.remainingCaptureAmount, undefined);
        assert.deepEqual(await po.tokens(order), [{ type: 'PaymentToken', token }]);
        assert.deepEqual(await po.failedAttempts(resource), [{ type: 'Reversal', status: 'Failed' }]);
      },
    );
  });
});

describe("client: the portal's examples as written", () => {
  it("follows a failed-attempts link to the GET the portal documents, reads its table's key, placeholder ids, any letter case and a token deletion answered with broken JSON", async () => {
    const order = '/psp/paymentorders/5adc265f-f87f-4313-577e-08d3dca1a26c';
    const token = '5a17c24e-d459-4567-bbad-aa0f17a76119';
    const bodies: Record<string, string> = {
      [order]: JSON.stringify({
        paymentorder: {
          id: order,
          status: 'paid',
          currency: 'SEK',
          amount: 1500,
          vatAmount: 375,
          financialTransactions: { id: `${order}/financialtransactions` },
          // The link's spelling; the portal documents the GET under the other one.
          postPurchaseFailedAttempts: { id: `${order}/postpurchasefailedattempts` },
        },
        operations: [{ method: 'post', href: `${order}/captures`, rel: 'capture' }],
      }),
      [`${order}/financialtransactions`]: JSON.stringify({
        financialTransactions: {
          id: `${order}/financialtransactions`,
          financialTransactionsList: [
            {
              id: `${order}/financialtransactions/<transactionId>`,
              type: 'Capture',
              number: 1234567890,
              amount: 1500,
              vatAmount: 375,
              payeeReference: 'AB832',
            },
          ],
        },
      }),
      [`${order}/failedpostpurchaseattempts`]: JSON.stringify({
        postpurchasefailedAttempts: {
          id: `${order}/postpurchasefailedattempts`,
          postpurchaseFailedAttemptList: [{ type: 'Capture', status: 'Failed', number: 12345678 }],
        },
      }),
      // As the portal's example: a comma missing.
      [`/psp/paymentorders/paymentTokens/${token}`]: `{ "token": "${token}" "isDeleted": true }`,
      [`/psp/paymentorders/recurrenceTokens/${token}`]: '<html><body>Sign in</body></html>',
      // A capture answered in the v3.0 shape the portal's pages show first.
      [`${order}/captures`]: JSON.stringify({
        payment: `${order}/payment`,
        capture: { id: `${order}/captures/1`, transaction: { id: `${order}/transactions/1`, state: 'Completed' } },
      }),
    };
    const seen: string[] = [];
    await withStub(
      (req, res) => {
        req.resume();
        seen.push(`${req.method} ${req.url}`);
        const body = bodies[req.url ?? ''];
        if (body === undefined) {
          notFound(res);
          return;
        }
        const html = req.url?.startsWith('/psp/paymentorders/recurrenceTokens/');
        res.writeHead(200, { 'content-type': html ? 'text/html' : 'application/json;version=3.1' }).end(body);
      },
      async (stubClient) => {
        const po = stubClient.paymentOrders();
        const resource = await po.get(order);
        assert.equal(resource.paymentOrder.status, 'Paid');
        assert.deepEqual(resource.operations[0], { method: 'POST', href: `${order}/captures`, rel: 'capture' });
        const found = await po.findTransaction(resource, 'capture', 'AB832');
        // Found by its payeeReference; the placeholder id is read as none, not carried on.
        assert.deepEqual([found?.id, found?.number, found?.amount], ['', '1234567890', 1500]);
        assert.deepEqual(await po.failedAttempts(resource), [
          { type: 'Capture', status: 'Failed', number: '12345678' },
        ]);
        assert.deepEqual(
          seen.filter((s) => s.includes('attempts')),
          [`GET ${order}/postpurchasefailedattempts`, `GET ${order}/failedpostpurchaseattempts`],
        );
        // Taken, the order to be read anew: the answer says nothing of the payment order itself.
        const answered = await po.capture(order, {
          description: 'Shipment',
          amount: 1500,
          vatAmount: 375,
          payeeReference: 'AB833',
        });
        assert.deepEqual(answered, { accepted: false });
        assert.equal(await po.deleteToken({ type: 'PaymentToken', token }, 'order done'), 'deleted');
        // Another kind of page (a proxy's login page) is no answer of Swedbank Pay's, 200 or not.
        await fails(() => po.deleteToken({ type: 'RecurrenceToken', token }, 'order done'), UnexpectedResponseError);
      },
    );
  });
});

describe('client: final errors', () => {
  it('an absent rel is OperationNotAvailable and nothing is sent', async () => {
    const id = await payment(1_000);
    await client.capture(id, { amount: 1_000, vatAmount: 0, description: 'All', payeeReference: ref() });
    const err = await fails(
      () => client.capture(id, { amount: 1, vatAmount: 0, description: 'More', payeeReference: ref() }),
      OperationNotAvailableError,
    );
    assert.equal(err.rel, 'create-capture');
    assert.equal(err.retryable, false);
    assert.equal((await captures(id)).length, 1, 'no second capture request reached Swedbank Pay');
  });

  it('invalid input is refused before anything is sent', async () => {
    const id = await payment(1_000);
    await fails(
      () => client.capture(id, { amount: 10.5, vatAmount: 0, description: 'x'.repeat(41), payeeReference: 'bad-ref' }),
      InvalidRequestError,
    );
    assert.equal((await captures(id)).length, 0);
  });

  it('over-capture is a final 400 inputerror problem', async () => {
    const id = await payment(1_000);
    const err = await fails(
      () => client.capture(id, { amount: 1_001, vatAmount: 0, description: 'Too much', payeeReference: ref() }),
      ProblemError,
    );
    assert.deepEqual([err.status, err.kind, err.retryable], [400, 'inputerror', false]);
    assert.ok(err.problems.length > 0);
  });

  it('a reused payeeReference is its own recognisable kind', async () => {
    const id = await payment(2_000);
    const reference = ref();
    await client.capture(id, { amount: 500, vatAmount: 0, description: 'One', payeeReference: reference });
    const err = await fails(
      () => client.capture(id, { amount: 500, vatAmount: 0, description: 'Again', payeeReference: reference }),
      PayeeReferenceAlreadyUsedError,
    );
    assert.equal(err.code, 'payee-reference-already-used');
    assert.equal(err.retryable, false);
  });

  it('an unknown payment is a final 404, a wrong token a final 401', async () => {
    const err = await fails(
      () => client.getPayment('/psp/creditcard/payments/00000000-0000-0000-0000-000000000000'),
      ProblemError,
    );
    assert.deepEqual([err.status, err.kind, err.retryable], [404, 'notfound', false]);
    const wrong = new SwedbankPayClient({ baseUrl: emulator.baseUrl, token: `${CANARY}-wrong-token` });
    const other = await payment();
    const unauthorized = await fails(() => wrong.getPayment(other), ProblemError);
    wrong.close();
    assert.deepEqual([unauthorized.status, unauthorized.retryable], [401, false]);
  });

  it('follows an operation href naming another host on the configured API (the token goes nowhere else)', async () => {
    const seen: { method: string; path: string; authorization: string | undefined }[] = [];
    const paymentId = '/psp/creditcard/payments/abc';
    const transaction = (payeeReference: string) => ({
      id: `${paymentId}/transactions/t1`,
      created: '2026-11-27T10:00:00Z',
      updated: '2026-11-27T10:00:00Z',
      type: 'Capture',
      state: 'Completed',
      number: 71100775,
      amount: 1,
      vatAmount: 0,
      description: 'x',
      payeeReference,
      isOperational: false,
      operations: [],
    });
    await withStub(
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ method: req.method!, path: req.url!, authorization: req.headers.authorization });
          res.writeHead(200, { 'content-type': 'application/json' });
          if (req.method === 'GET') {
            res.end(
              JSON.stringify({
                payment: { id: paymentId, number: 1, state: 'Ready', currency: 'SEK', amount: 100 },
                operations: [
                  {
                    method: 'POST',
                    // Another host, as some documented answers show: only its path is followed.
                    href: `https://api.payex.com${paymentId}/captures`,
                    rel: 'create-capture',
                    contentType: 'application/json',
                  },
                ],
              }),
            );
            return;
          }
          const sent = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            transaction: { payeeReference: string };
          };
          res.end(
            JSON.stringify({
              payment: paymentId,
              capture: { id: `${paymentId}/captures/c1`, transaction: transaction(sent.transaction.payeeReference) },
            }),
          );
        });
      },
      async (stubClient) => {
        const captured = await stubClient.capture(paymentId, {
          amount: 1,
          vatAmount: 0,
          description: 'x',
          payeeReference: ref(),
        });
        assert.equal(captured.transaction.state, 'Completed');
        assert.deepEqual(
          seen.map((s) => `${s.method} ${s.path}`),
          [`GET ${paymentId}`, `POST ${paymentId}/captures`],
          'both requests reached the configured API',
        );
        assert.ok(seen.every((s) => s.authorization === `Bearer ${TEST_TOKEN}`));
      },
    );
  });

  it('keeps an href whose path reads like another host (`//host:port/...`) on the configured API', async () => {
    const elsewhereSaw: string[] = [];
    const elsewhere = createServer((req, res) => {
      elsewhereSaw.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.2', r));
    const hop = `//127.0.0.2:${(elsewhere.address() as AddressInfo).port}`;
    const paymentId = '/psp/creditcard/payments/abc';
    const seen: string[] = [];
    try {
      await withStub(
        (req, res) => {
          req.resume();
          seen.push(`${req.method} ${req.url}`);
          if (req.method !== 'GET') return notFound(res);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              payment: { id: paymentId, number: 1, state: 'Ready', currency: 'SEK', amount: 100 },
              operations: [
                // Another host whose path starts like a host of its own: parsed again, it would go there.
                { method: 'POST', href: `https://api.payex.com${hop}${paymentId}/captures`, rel: 'create-capture' },
              ],
            }),
          );
        },
        async (stubClient) => {
          const err = await fails(
            () => stubClient.capture(paymentId, { amount: 1, vatAmount: 0, description: 'x', payeeReference: ref() }),
            ProblemError,
          );
          assert.equal(err.status, 404);
          assert.deepEqual(
            seen,
            [`GET ${paymentId}`, `POST ${hop}${paymentId}/captures`],
            'both on the configured API',
          );
          assert.deepEqual(elsewhereSaw, [], 'nothing, and no token, reached the other host');
        },
      );
    } finally {
      await new Promise<void>((r) => elsewhere.close(() => r()));
    }
  });

  it('never follows a redirect: a 307 to another port of the same host is refused, the token stays', async () => {
    const authorizations: (string | undefined)[] = [];
    const elsewhere = createServer((req, res) => {
      authorizations.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const redirecting = createServer((req, res) => {
      const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}${req.url}`;
      res.writeHead(307, { location: target }).end();
    });
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    const redirected = new SwedbankPayClient({
      baseUrl: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`,
      token: TEST_TOKEN,
    });
    try {
      const err = await fails(() => redirected.getPayment('/psp/creditcard/payments/abc'), UnexpectedResponseError);
      assert.equal(err.status, 307);
      assert.equal(err.retryable, false);
      assert.deepEqual(authorizations, [], 'nothing reached the redirect target');
    } finally {
      redirected.close();
      await new Promise<void>((r) => redirecting.close(() => r()));
      await new Promise<void>((r) => elsewhere.close(() => r()));
    }
  });

  it('stops reading an answer past 8 MiB: a network error, an unknown outcome for a POST, nothing kept', async () => {
    await withStub(
      (req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"payment":{"id":"${'x'.repeat(9 * 1024 * 1024)}"}}`);
      },
      async (hugeClient) => {
        const read = await fails(() => hugeClient.getPayment('/psp/creditcard/payments/abc'), TransportError);
        assert.deepEqual([read.code, read.retryable, read.outcomeUnknown], ['network', true, false]);
        assert.match(read.message, /answered 200, the answer went past 8388608 bytes; not read/);
        const patch = await fails(
          () => hugeClient.deleteToken({ paymentToken: 'a1b2c3', tokenType: 'PaymentToken', comment: 'done' }),
          TransportError,
        );
        assert.deepEqual([patch.code, patch.outcomeUnknown], ['network', true]);
        assert.equal(patch.message.includes(TEST_TOKEN), false);
      },
    );
  });

  it('refuses a timeout that Node could not honour', () => {
    for (const timeoutMs of [0, -1, 2 ** 31, 1.5]) {
      assert.throws(() => new SwedbankPayClient({ token: TEST_TOKEN, timeoutMs }), RangeError);
    }
  });
});

describe('client: transient errors', () => {
  for (const status of [500, 502, 503, 504] as const) {
    it(`${status} is a retryable problem and commits nothing`, async () => {
      const id = await payment();
      await withFault({ kind: 'status', status });
      const err = await fails(
        () => client.capture(id, { amount: 100, vatAmount: 0, description: 'x', payeeReference: ref() }),
        ProblemError,
      );
      assert.deepEqual([err.status, err.retryable], [status, true]);
      assert.equal((await captures(id)).length, 0);
    });
  }

  it('429 is RateLimited with its Retry-After', async () => {
    const id = await payment();
    await withFault({ kind: 'rate-limit', retryAfterSeconds: 2 });
    const err = await fails(
      () => client.capture(id, { amount: 100, vatAmount: 0, description: 'x', payeeReference: ref() }),
      RateLimitedError,
    );
    assert.deepEqual([err.retryable, err.retryAfterMs], [true, 2_000]);
  });

  it('latency within the timeout is just slow', async () => {
    const id = await payment();
    await withFault({ kind: 'latency', ms: 200 });
    const entry = await client.capture(id, { amount: 100, vatAmount: 0, description: 'x', payeeReference: ref() });
    assert.equal(entry.transaction.state, 'Completed');
  });

  it('a reset before commit is a network error; nothing was captured', async () => {
    const id = await payment();
    await withFault({ kind: 'reset-before-commit' });
    const err = await fails(
      () => client.capture(id, { amount: 100, vatAmount: 0, description: 'x', payeeReference: ref() }),
      TransportError,
    );
    assert.deepEqual([err.code, err.retryable, err.outcomeUnknown], ['network', true, true]);
    assert.equal((await captures(id)).length, 0);
  });

  it('commit-then-drop: one capture in the ledger, found by its payeeReference', async () => {
    const id = await payment();
    const reference = ref();
    await withFault({ kind: 'commit-then-drop' });
    const err = await fails(
      () => client.capture(id, { amount: 300, vatAmount: 0, description: 'x', payeeReference: reference }),
      TransportError,
    );
    assert.equal(err.outcomeUnknown, true);
    const ledger = await captures(id);
    assert.equal(ledger.length, 1);
    const found = await client.findTransaction(id, 'capture', reference);
    assert.equal(found?.transaction.amount, 300);
    assert.equal(found?.transaction.state, 'Completed');
  });

  it('an answer slower than the timeout is a timeout; the capture exists and is found', async () => {
    const id = await payment();
    const reference = ref();
    await withFault({ kind: 'slow-response', ms: 2_500 });
    const err = await fails(
      () => client.capture(id, { amount: 400, vatAmount: 0, description: 'x', payeeReference: reference }),
      TransportError,
    );
    assert.deepEqual([err.code, err.outcomeUnknown], ['timeout', true]);
    assert.ok(await client.findTransaction(id, 'capture', reference));
  });

  it('a failed GET changes nothing, and a refused connection sent nothing', async () => {
    const id = await payment();
    await withFault({ kind: 'reset-before-commit' }, 'get-payment');
    const reset = await fails(() => client.getPayment(id), TransportError);
    assert.equal(reset.outcomeUnknown, false);
    const nowhere = new SwedbankPayClient({ baseUrl: 'http://127.0.0.1:9', token: TEST_TOKEN, timeoutMs: 1_000 });
    const refused = await fails(
      () =>
        nowhere.capture('/psp/creditcard/payments/abc', {
          amount: 1,
          vatAmount: 0,
          description: 'x',
          payeeReference: ref(),
        }),
      TransportError,
    );
    nowhere.close();
    assert.equal(refused.outcomeUnknown, false);
  });
});

describe('client: secrets', () => {
  it('no thrown error, its stack, its JSON or its inspection contains the bearer token', () => {
    assert.ok(thrown.length >= 12, `errors collected: ${thrown.length}`);
    for (const err of thrown) {
      const views = [String(err), (err as Error).stack ?? '', inspect(err, { depth: 10 }), JSON.stringify(err)];
      for (const view of views) assert.ok(!view.includes(CANARY), `token leaked: ${view.slice(0, 200)}`);
    }
    assert.ok(!inspect(client, { depth: 10 }).includes(CANARY));
    assert.ok(!JSON.stringify(client).includes(CANARY));
  });
});
