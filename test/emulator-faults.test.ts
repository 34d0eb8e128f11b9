/**
 * The emulator's faults, async outcomes and callbacks, observed over real HTTP on loopback: what a
 * client sees (status, headers, a reset socket, a timeout) and what was committed (the ledger).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallbackLogEntry, FaultRuleInput } from '../src/emulator/index.js';
import { CallbackBody, CaptureResponse, PaymentResponse } from '../src/swedbank/schemas.js';
import { EmulatorHarness, eventually, operationRels } from './emulator-helpers.js';

const CALLBACK_RETRY_SCHEDULE_MS = [0, 40, 40, 40];

let harness: EmulatorHarness;

before(async () => {
  harness = await EmulatorHarness.start({
    seed: 1234,
    callbackRetryScheduleMs: CALLBACK_RETRY_SCHEDULE_MS,
    callbackReorderHoldMs: 5_000,
  });
});

afterEach(async () => {
  await harness.adminOk('DELETE', '/faults');
  await harness.adminOk('DELETE', '/async');
  await harness.adminOk('DELETE', '/callback-faults');
});

after(async () => {
  await harness.close();
});

async function setFaults(rules: FaultRuleInput[], seed?: number): Promise<void> {
  await harness.adminOk('PUT', '/faults', { rules, seed });
}

async function capturesInLedger(paymentId: string): Promise<{ amount: number; payeeReference: string }[]> {
  const entry = await harness.ledgerEntry(paymentId);
  return entry.transactions.filter((t) => t.type === 'Capture');
}

async function postCapture(paymentId: string, amount: number, payeeReference = harness.reference()) {
  return harness.psp('POST', `${paymentId}/captures`, harness.cardCapture(amount, 0, payeeReference));
}

describe('emulator: request faults', () => {
  it('status: a 5xx systemerror problem, nothing committed', async () => {
    const { payment } = await harness.createPayment();
    for (const status of [500, 502, 503, 504] as const) {
      await setFaults([{ operation: 'capture', fault: { kind: 'status', status } }]);
      const problem = await harness.expectProblem(await postCapture(payment.id, 100), 'systemerror', status);
      assert.match(problem.detail ?? '', /nothing was committed/);
    }
    assert.deepEqual(await capturesInLedger(payment.id), []);
  });

  it('rate-limit: 429 with Retry-After and a toomanyrequests problem, nothing committed', async () => {
    const { payment } = await harness.createPayment();
    await setFaults([{ operation: 'capture', fault: { kind: 'rate-limit', retryAfterSeconds: 7 } }]);
    const response = await postCapture(payment.id, 100);
    assert.equal(response.headers.get('retry-after'), '7');
    await harness.expectProblem(response, 'toomanyrequests', 429);
    assert.deepEqual(await capturesInLedger(payment.id), []);
  });

  it('latency: the answer comes after the delay, and is the normal one', async () => {
    const { payment } = await harness.createPayment();
    await setFaults([{ operation: 'get-payment', fault: { kind: 'latency', ms: 150 } }]);
    const started = performance.now();
    const response = await harness.psp('GET', payment.id);
    const elapsed = performance.now() - started;
    assert.equal(response.status, 200);
    PaymentResponse.parse(await response.json());
    assert.ok(elapsed >= 140, `answered after ${elapsed} ms`);
  });

  it('reset-before-commit: the connection is reset (fetch rejects) and the ledger is unchanged', async () => {
    const { payment } = await harness.createPayment();
    const before = await harness.ledgerEntry(payment.id);
    await setFaults([{ operation: 'capture', fault: { kind: 'reset-before-commit' } }]);
    await assert.rejects(postCapture(payment.id, 100), TypeError);
    assert.deepEqual(await harness.ledgerEntry(payment.id), before);
  });

  it('commit-then-drop: fetch rejects, yet exactly one capture is committed; the retry hears "already been used"', async () => {
    const { payment } = await harness.createPayment();
    const reference = harness.reference();
    await setFaults([{ operation: 'capture', times: 1, fault: { kind: 'commit-then-drop' } }]);
    await assert.rejects(postCapture(payment.id, 2_500, reference), TypeError);
    assert.deepEqual(
      (await capturesInLedger(payment.id)).map((t) => [t.amount, t.payeeReference]),
      [[2_500, reference]],
    );
    const retry = await harness.expectProblem(await postCapture(payment.id, 2_500, reference), 'inputerror', 400);
    assert.match(retry.problems[0]?.description ?? '', /already been used/);
    assert.equal((await capturesInLedger(payment.id)).length, 1);
  });

  it('slow-response: a client timeout shorter than the delay aborts, but the capture is committed', async () => {
    const { payment } = await harness.createPayment();
    await setFaults([{ operation: 'capture', fault: { kind: 'slow-response', ms: 1_500 } }]);
    const started = performance.now();
    await assert.rejects(
      harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(700), { signal: AbortSignal.timeout(150) }),
      (error: unknown) => error instanceof DOMException && error.name === 'TimeoutError',
    );
    assert.ok(performance.now() - started < 1_000, 'the client gave up before the answer');
    assert.deepEqual(
      (await capturesInLedger(payment.id)).map((t) => t.amount),
      [700],
    );
  });

  it('rules match by method, path regex and operation; times bounds how often a rule fires', async () => {
    const { payment } = await harness.createPayment();
    await setFaults([
      { method: 'post', path: '/cancellations$', fault: { kind: 'status', status: 502 } },
      { operation: 'list-captures', times: 2, fault: { kind: 'status', status: 503 } },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await harness.psp('GET', `${payment.id}/captures`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [503, 503, 200, 200]);
    const getPayment = await harness.psp('GET', payment.id);
    assert.equal(getPayment.status, 200, 'GET payment matches no rule');
    await getPayment.arrayBuffer();
    const cancellation = await harness.psp('POST', `${payment.id}/cancellations`, {
      transaction: { description: 'Rest', payeeReference: harness.reference() },
    });
    await harness.expectProblem(cancellation, 'systemerror', 502);
    const listed = (await harness.adminOk('GET', '/faults')) as { rules: { fired: number }[] };
    assert.deepEqual(
      listed.rules.map((rule) => rule.fired),
      [1, 2],
    );
  });

  it('the same seed gives the same fault decisions', async () => {
    const { payment } = await harness.createPayment();
    const rules: FaultRuleInput[] = [
      { operation: 'get-payment', probability: 0.5, fault: { kind: 'status', status: 503 } },
    ];
    const run = async (seed: number): Promise<number[]> => {
      await setFaults(rules, seed);
      const statuses: number[] = [];
      for (let i = 0; i < 24; i += 1) {
        const response = await harness.psp('GET', payment.id);
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      return statuses;
    };
    const first = await run(99);
    const again = await run(99);
    assert.deepEqual(again, first);
    assert.ok(first.includes(503) && first.includes(200), `a mix of faults and answers: ${first.join(',')}`);
    const otherSeed = await run(100);
    assert.notDeepEqual(otherSeed, first);
  });

  it('invalid fault rules are refused with 400 inputerror', async () => {
    const response = await harness.admin('PUT', '/faults', {
      rules: [{ operation: 'capture', fault: { kind: 'status', status: 418 } }],
    });
    await harness.expectProblem(response, 'inputerror', 400);
    const badRegex = await harness.admin('PUT', '/faults', {
      rules: [{ path: '(', fault: { kind: 'reset-before-commit' } }],
    });
    await harness.expectProblem(badRegex, 'inputerror', 400);
  });
});

describe('emulator: asynchronous outcomes', () => {
  it('Initialized at first, Completed after delayMs; the payment is Pending meanwhile', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000 });
    await harness.adminOk('PUT', '/async', {
      rules: [{ operation: 'capture', outcome: 'Completed', delayMs: 300 }],
    });
    const response = await postCapture(payment.id, 4_000);
    assert.equal(response.status, 200);
    const created = CaptureResponse.parse(await response.json());
    assert.equal(created.capture.transaction.state, 'Initialized');
    const pending = await harness.getPayment(payment.id);
    assert.equal(pending.payment.state, 'Pending');
    assert.deepEqual(operationRels(pending), []);
    assert.equal(pending.payment.remainingCaptureAmount, 10_000);
    await harness.expectProblem(await postCapture(payment.id, 1), 'forbidden', 403);

    const ready = await eventually(
      async () => {
        const current = await harness.getPayment(payment.id);
        return current.payment.state === 'Ready' ? current : undefined;
      },
      { attempts: 100, intervalMs: 20, what: 'payment back to Ready' },
    );
    assert.equal(ready.payment.remainingCaptureAmount, 6_000);
    assert.ok(operationRels(ready).includes('create-capture'));
    const settled = CaptureResponse.parse(await (await harness.psp('GET', created.capture.id)).json());
    assert.equal(settled.capture.transaction.state, 'Completed');
  });

  it('Failed after delayMs: the transaction carries failedReason and counts towards the lock', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000 });
    await harness.adminOk('PUT', '/async', {
      rules: [{ operation: 'reversal', outcome: 'Failed', delayMs: 0, failedReason: 'Refund rejected' }],
    });
    assert.equal((await postCapture(payment.id, 5_000)).status, 200);
    const reversal = await harness.psp('POST', `${payment.id}/reversals`, harness.cardCapture(1_000));
    assert.equal(reversal.status, 200, 'an async outcome answers 200 Initialized, even when it will fail');
    const entry = await eventually(
      async () => {
        const current = await harness.ledgerEntry(payment.id);
        return current.state === 'Ready' ? current : undefined;
      },
      { what: 'reversal settled' },
    );
    const failed = entry.transactions.find((t) => t.type === 'Reversal');
    assert.equal(failed?.state, 'Failed');
    assert.equal(failed?.failedReason, 'Refund rejected');
    assert.equal(entry.totals.reversed, 0);
    assert.equal(entry.consecutiveFailures, 1);
  });

  it('delayMs null waits for POST /_emulator/transactions/complete; completing twice is refused', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000, vatAmount: 0 });
    await harness.adminOk('PUT', '/async', {
      rules: [{ operation: 'cancellation', outcome: 'Completed', delayMs: null }],
    });
    const response = await harness.psp('POST', `${payment.id}/cancellations`, {
      transaction: { description: 'Rest', payeeReference: harness.reference() },
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { cancellation: { transaction: { id: string; state: string } } };
    assert.equal(body.cancellation.transaction.state, 'Initialized');
    await sleep(100);
    assert.equal((await harness.getPayment(payment.id)).payment.state, 'Pending', 'still waiting after 100 ms');

    await harness.adminOk('POST', '/transactions/complete', {
      transactionId: body.cancellation.transaction.id,
      outcome: 'Completed',
    });
    const done = await harness.getPayment(payment.id);
    assert.equal(done.payment.state, 'Ready');
    assert.equal(done.payment.remainingCancellationAmount, 0);
    const again = await harness.admin('POST', '/transactions/complete', {
      transactionId: body.cancellation.transaction.id,
      outcome: 'Failed',
    });
    await harness.expectProblem(again, 'forbidden', 409);
    const unknown = await harness.admin('POST', '/transactions/complete', {
      transactionId: '00000000-0000-4000-8000-000000000000',
      outcome: 'Completed',
    });
    await harness.expectProblem(unknown, 'notfound', 404);
  });
});

interface ReceivedCallback {
  body: unknown;
  contentType: string | undefined;
  receivedAt: number;
}

/** A merchant's callback endpoint on loopback; answers with the queued statuses, then 200. */
class CallbackReceiver {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly received: ReceivedCallback[],
    readonly statuses: number[],
  ) {}

  static async start(): Promise<CallbackReceiver> {
    const received: ReceivedCallback[] = [];
    const statuses: number[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          contentType: request.headers['content-type'],
          receivedAt: performance.now(),
        });
        response.writeHead(statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new CallbackReceiver(server, `http://127.0.0.1:${port}/callbacks/swedbank-pay`, received, statuses);
  }

  bodiesFor(transactionId: string): CallbackBody[] {
    return this.received
      .map((callback) => CallbackBody.parse(callback.body))
      .filter((body) => body.transaction.id === transactionId);
  }

  clear(): void {
    this.received.length = 0;
    this.statuses.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

describe('emulator: callbacks', () => {
  let receiver: CallbackReceiver;

  before(async () => {
    receiver = await CallbackReceiver.start();
  });

  after(async () => {
    await receiver.close();
  });

  /** A payment whose authorization callback has already arrived, so tests see only their own. */
  async function paymentWithCallbacks(): Promise<PaymentResponse> {
    receiver.clear();
    const created = await harness.createPayment({ callbackUrl: receiver.url, amount: 10_000 });
    const authorizationCallback = () =>
      receiver.received.some((callback) => CallbackBody.parse(callback.body).payment.id === created.payment.id);
    await eventually(() => (authorizationCallback() ? true : undefined), { what: 'authorization callback' });
    receiver.clear();
    return created;
  }

  async function callbackLog(): Promise<CallbackLogEntry[]> {
    return ((await harness.adminOk('GET', '/callbacks')) as { callbacks: CallbackLogEntry[] }).callbacks;
  }

  async function capture(paymentId: string, amount: number): Promise<string> {
    const response = await postCapture(paymentId, amount);
    assert.equal(response.status, 200);
    return CaptureResponse.parse(await response.json()).capture.transaction.id;
  }

  it('POSTs the documented body {payment:{id,number}, transaction:{id,number}} as application/json', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    const transactionId = await capture(payment.id, 1_000);
    const [callback] = await eventually(() => (receiver.received.length > 0 ? receiver.received : undefined), {
      what: 'capture callback',
    });
    assert.equal(callback?.contentType, 'application/json');
    const raw = callback?.body as { payment: { number: unknown }; transaction: { number: unknown } };
    assert.equal(typeof raw.payment.number, 'number');
    assert.equal(typeof raw.transaction.number, 'number');
    const body = CallbackBody.parse(raw);
    assert.deepEqual(Object.keys(raw).sort(), ['payment', 'transaction']);
    assert.equal(body.payment.id, payment.id);
    assert.equal(body.payment.number, payment.number);
    assert.equal(body.transaction.id, transactionId);
    const entry = await harness.ledgerEntry(payment.id);
    assert.equal(body.transaction.number, String(entry.transactions.find((t) => t.id === transactionId)?.number));
  });

  it('retries non-2xx answers on the schedule until one is accepted, and logs every attempt', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    receiver.statuses.push(500, 503);
    const transactionId = await capture(payment.id, 1_000);
    const bodies = await eventually(
      () => {
        const matching = receiver.bodiesFor(transactionId);
        return matching.length >= 3 ? matching : undefined;
      },
      { what: 'three callback attempts' },
    );
    assert.equal(bodies.length, 3);
    await sleep(150);
    assert.equal(receiver.bodiesFor(transactionId).length, 3, 'no attempt after the accepted one');
    const attempts = (await callbackLog()).filter(
      (entry) => entry.body.transaction.id === transactionId && entry.event === 'attempt',
    );
    assert.deepEqual(
      attempts.map((entry) => [entry.attempt, entry.status, entry.delivered]),
      [
        [1, 500, false],
        [2, 503, false],
        [3, 200, true],
      ],
    );
  });

  it('gives up after the last attempt of the schedule', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    receiver.statuses.push(500, 500, 500, 500, 500);
    const transactionId = await capture(payment.id, 1_000);
    const gaveUp = await eventually(
      async () =>
        (await callbackLog()).find((entry) => entry.event === 'gave-up' && entry.body.transaction.id === transactionId),
      { what: 'gave-up entry' },
    );
    assert.equal(gaveUp.attempt, CALLBACK_RETRY_SCHEDULE_MS.length);
    assert.equal(receiver.bodiesFor(transactionId).length, CALLBACK_RETRY_SCHEDULE_MS.length);
  });

  it('duplicate: the same callback arrives twice', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    await harness.adminOk('PUT', '/callback-faults', { rules: [{ kind: 'duplicate', probability: 1 }] });
    const transactionId = await capture(payment.id, 1_000);
    const bodies = await eventually(
      () => {
        const matching = receiver.bodiesFor(transactionId);
        return matching.length >= 2 ? matching : undefined;
      },
      { what: 'two copies' },
    );
    assert.deepEqual(bodies[0], bodies[1]);
    await sleep(100);
    assert.equal(receiver.bodiesFor(transactionId).length, 2);
  });

  it('drop: the callback is never sent, and the log says so', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    await harness.adminOk('PUT', '/callback-faults', { rules: [{ kind: 'drop', probability: 1 }] });
    const transactionId = await capture(payment.id, 1_000);
    const dropped = await eventually(
      async () => (await callbackLog()).find((entry) => entry.body.transaction.id === transactionId),
      { what: 'log entry' },
    );
    assert.equal(dropped.event, 'dropped');
    await sleep(200);
    assert.deepEqual(receiver.bodiesFor(transactionId), []);
  });

  it('reorder: a held callback is sent after the next one', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    await harness.adminOk('PUT', '/callback-faults', { rules: [{ kind: 'reorder', probability: 1 }] });
    const first = await capture(payment.id, 1_000);
    await sleep(100);
    assert.equal(receiver.received.length, 0, 'the first callback is held');
    await harness.adminOk('DELETE', '/callback-faults');
    const second = await capture(payment.id, 2_000);
    const received = await eventually(() => (receiver.received.length >= 2 ? receiver.received : undefined), {
      what: 'both callbacks',
    });
    const order = received.map((callback) => CallbackBody.parse(callback.body).transaction.id);
    assert.deepEqual(order, [second, first]);
  });

  it('delay: the callback arrives only after the delay', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    await harness.adminOk('PUT', '/callback-faults', { rules: [{ kind: 'delay', ms: 300, probability: 1 }] });
    const started = performance.now();
    const transactionId = await capture(payment.id, 1_000);
    await sleep(150);
    assert.deepEqual(receiver.bodiesFor(transactionId), [], 'not yet');
    await eventually(() => (receiver.bodiesFor(transactionId).length > 0 ? true : undefined), {
      what: 'delayed callback',
    });
    assert.ok((receiver.received[0]?.receivedAt ?? 0) - started >= 290);
  });

  it('an async transaction sends one callback when created and one when it completes', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    await harness.adminOk('PUT', '/async', {
      rules: [{ operation: 'capture', outcome: 'Completed', delayMs: 100 }],
    });
    const transactionId = await capture(payment.id, 1_000);
    await eventually(() => (receiver.bodiesFor(transactionId).length >= 2 ? true : undefined), {
      what: 'created and completed callbacks',
    });
    assert.equal((await harness.getPayment(payment.id)).payment.state, 'Ready');
  });

  it('an abort sends a callback for the payment', async () => {
    await harness.adminOk('POST', '/reset');
    const { payment } = await paymentWithCallbacks();
    const response = await harness.psp('PATCH', payment.id, {
      payment: { operation: 'Abort', abortReason: 'CancelledByConsumer' },
    });
    assert.equal(response.status, 200);
    const [callback] = await eventually(() => (receiver.received.length > 0 ? receiver.received : undefined), {
      what: 'abort callback',
    });
    assert.equal(CallbackBody.parse(callback?.body).payment.id, payment.id);
  });

  it('POST /_emulator/reset forgets payments, faults, async rules and the callback log', async () => {
    await paymentWithCallbacks();
    await setFaults([{ operation: 'capture', fault: { kind: 'status', status: 500 } }]);
    await harness.adminOk('PUT', '/async', { rules: [{ operation: 'capture', outcome: 'Failed' }] });
    await harness.adminOk('POST', '/reset');
    assert.deepEqual((await harness.ledger()).payments, []);
    assert.deepEqual(await callbackLog(), []);
    assert.deepEqual(((await harness.adminOk('GET', '/faults')) as { rules: unknown[] }).rules, []);
    assert.deepEqual(((await harness.adminOk('GET', '/async')) as { rules: unknown[] }).rules, []);
    const { payment } = await harness.createPayment();
    assert.equal((await postCapture(payment.id, 100)).status, 200);
  });
});
