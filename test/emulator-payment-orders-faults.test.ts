/**
 * Payment orders under the emulator's outcome rules, request faults and callback machinery, over
 * real HTTP on loopback: declined captures and the lock, asynchronous reversals (202, settled by
 * the admin API or a timer), answers lost after commit, v3.1 callbacks with retries and faults,
 * and the payer's failed or aborted attempts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { EmulatorAdmin } from '../src/emulator/admin-client.js';
import type { PaymentOrderCallbackWireBody } from '../src/emulator/index.js';
import {
  EmulatorHarness,
  eventually,
  expectOrder,
  expectOrderProblem,
  orderHref,
  orderRels,
  poRequest,
  type OrderBody,
} from './emulator-helpers.js';
import { TEST_TOKEN } from './secrets.js';

const RETRY_SCHEDULE_MS = [0, 40, 40, 40];

/** A merchant's callback endpoint: answers the queued statuses, then 200. */
class Receiver {
  readonly bodies: PaymentOrderCallbackWireBody[] = [];
  readonly statuses: number[] = [];
  url = '';
  private readonly server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      this.bodies.push(JSON.parse(text) as PaymentOrderCallbackWireBody);
      response.writeHead(this.statuses.shift() ?? 200).end();
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callbacks`;
  }

  about(number: number): PaymentOrderCallbackWireBody[] {
    return this.bodies.filter((body) => body.paymentOrder.number === number);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let harness: EmulatorHarness;
let admin: EmulatorAdmin;
const receiver = new Receiver();

before(async () => {
  harness = await EmulatorHarness.start({ token: TEST_TOKEN, seed: 7, callbackRetryScheduleMs: RETRY_SCHEDULE_MS });
  admin = new EmulatorAdmin(harness.baseUrl);
  await receiver.start();
});

beforeEach(() => {
  receiver.statuses.length = 0;
});

afterEach(async () => {
  await admin.setOutcomes([]);
  await admin.clearFaults();
  await admin.setCallbackFaults([]);
});

after(async () => {
  await harness.close();
  await receiver.close();
});

function money(amount: number, payeeReference = harness.reference()) {
  return { transaction: { description: 'Shipment', amount, vatAmount: 0, payeeReference } };
}

async function post(order: OrderBody, rel: string, body: unknown, status = 200): Promise<OrderBody> {
  return expectOrder(await poRequest(harness, 'POST', orderHref(order, rel), body), status);
}

interface FailedAttempts {
  paymentorder: string;
  postPurchaseFailedAttempts: {
    postpurchaseFailedAttemptList: { status: string; type: string; number: number; problem: { type: string } }[];
  };
}

async function failedPostPurchase(id: string, alias = 'postpurchasefailedattempts') {
  const response = await poRequest(harness, 'GET', `${id}/${alias}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as FailedAttempts).postPurchaseFailedAttempts.postpurchaseFailedAttemptList;
}

async function financialTypes(id: string): Promise<string[]> {
  const response = await poRequest(harness, 'GET', `${id}/financialtransactions`);
  const body = (await response.json()) as { financialTransactions: { financialTransactionsList: { type: string }[] } };
  return body.financialTransactions.financialTransactionsList.map((t) => t.type);
}

describe('emulator: payment order outcomes', () => {
  it('a declined capture: 403 acquirererror, nothing moves, a postPurchaseFailedAttempts entry', async () => {
    const order = await admin.createPaymentOrder({ amount: 10_000 });
    await admin.setOutcomes([
      { instrument: 'paymentorder', operation: 'capture', outcome: 'Failed', failedReason: 'REJECTED', times: 1 },
    ]);
    const refused = await poRequest(harness, 'POST', orderHref(order, 'capture'), money(4_000));
    const problem = await expectOrderProblem(refused, 403, 'creditcard/acquirererror');
    assert.equal(problem.detail, 'Unable to complete Capture transaction, look at problem node!');
    assert.deepEqual(problem.problems, [{ name: 'ExternalResponse', description: 'REJECTED' }]);
    const id = order.paymentOrder.id;
    const after = await expectOrder(await poRequest(harness, 'GET', id));
    assert.equal(after.paymentOrder.remainingCaptureAmount, 10_000);
    for (const alias of ['postpurchasefailedattempts', 'failedpostpurchaseattempts']) {
      const [attempt, ...more] = await failedPostPurchase(id, alias);
      assert.deepEqual(more, []);
      assert.deepEqual([attempt?.status, attempt?.type, attempt?.problem.type], ['Failed', 'Capture', problem.type]);
      assert.ok(Number.isInteger(attempt?.number));
    }
    assert.deepEqual(await financialTypes(id), ['Authorization']);
    const ledger = await admin.paymentOrder(id);
    assert.deepEqual(
      ledger.transactions.map((t) => [t.type, t.state, t.failedReason]),
      [
        ['Authorization', 'Completed', null],
        ['Capture', 'Failed', 'REJECTED'],
      ],
    );
  });

  it('5 consecutive failed captures lock the order: capture and reversal are no longer offered', async () => {
    const order = await admin.createPaymentOrder({ amount: 10_000 });
    await post(order, 'capture', money(1_000));
    await admin.setOutcomes([{ instrument: 'paymentorder', operation: 'capture', outcome: 'Failed', times: 4 }]);
    for (let i = 0; i < 4; i += 1) {
      await expectOrderProblem(
        await poRequest(harness, 'POST', orderHref(order, 'capture'), money(1_000)),
        403,
        'creditcard/acquirererror',
      );
    }
    const over = await poRequest(harness, 'POST', orderHref(order, 'capture'), money(50_000));
    await expectOrderProblem(over, 400, 'paymentorders/inputerror');
    const locked = await expectOrder(await poRequest(harness, 'GET', order.paymentOrder.id));
    assert.deepEqual(orderRels(locked), ['cancel']);
    const refused = await poRequest(harness, 'POST', `${order.paymentOrder.id}/captures`, money(100));
    assert.match((await expectOrderProblem(refused, 403, 'paymentorders/forbidden')).detail, /locked/);
    assert.equal((await admin.paymentOrder(order.paymentOrder.id)).locked, true);
  });

  it('an asynchronous reversal: 202 with no post-purchase operation, settled by the admin API, then a callback', async () => {
    const order = await admin.createPaymentOrder({ amount: 6_000, orderReference: 'R-17', callbackUrl: receiver.url });
    const captured = await post(order, 'capture', money(6_000));
    await admin.setOutcomes([
      { instrument: 'paymentorder', operation: 'reversal', outcome: 'Completed', delayMs: null, times: 1 },
    ]);
    const accepted = await post(captured, 'reversal', money(6_000), 202);
    assert.deepEqual([accepted.paymentOrder.status, accepted.paymentOrder.remainingReversalAmount], ['Paid', 6_000]);
    assert.deepEqual(accepted.operations, []);
    const id = order.paymentOrder.id;
    assert.deepEqual(await financialTypes(id), ['Authorization', 'Capture']);
    const again = await poRequest(harness, 'POST', `${id}/reversals`, money(1_000));
    await expectOrderProblem(again, 403, 'paymentorders/forbidden');

    const pending = (await admin.paymentOrder(id)).transactions.find((t) => t.state === 'Initialized');
    assert.equal(pending?.type, 'Reversal');
    assert.equal((await admin.paymentOrder(id)).pending, true);
    await admin.completeTransaction(pending?.id ?? '', 'Completed');
    const settled = await expectOrder(await poRequest(harness, 'GET', id));
    assert.deepEqual([settled.paymentOrder.status, settled.paymentOrder.remainingReversalAmount], ['Reversed', 0]);
    assert.deepEqual(await financialTypes(id), ['Authorization', 'Capture', 'Reversal']);
    const [callback] = await eventually(
      () => {
        const bodies = receiver.about(pending?.number ?? -1);
        return bodies.length > 0 ? bodies : undefined;
      },
      { what: 'the reversal callback' },
    );
    assert.deepEqual(callback, {
      orderReference: 'R-17',
      paymentOrder: { id, instrument: 'CreditCard', number: pending?.number },
    });
  });

  it('a failed asynchronous reversal (timer): postPurchaseFailedAttempts, reversal offered again, a callback', async () => {
    const order = await admin.createPaymentOrder({ amount: 6_000, instrument: 'Trustly', callbackUrl: receiver.url });
    await admin.setOutcomes([
      {
        instrument: 'paymentorder',
        operation: 'reversal',
        outcome: 'Failed',
        delayMs: 50,
        failedReason: 'NO',
        times: 1,
      },
    ]);
    await post(order, 'reversal', money(2_000), 202);
    const id = order.paymentOrder.id;
    const [attempt] = await eventually(
      async () => {
        const attempts = await failedPostPurchase(id);
        return attempts.length > 0 ? attempts : undefined;
      },
      { what: 'the failed reversal' },
    );
    assert.deepEqual(
      [attempt?.type, attempt?.problem.type],
      ['Reversal', 'https://api.payex.com/psp/errordetail/trustly/forbidden'],
    );
    const now = await expectOrder(await poRequest(harness, 'GET', id));
    assert.deepEqual([now.paymentOrder.remainingReversalAmount, orderRels(now)], [6_000, ['reversal']]);
    await eventually(() => (receiver.about(attempt?.number ?? -1).length > 0 ? true : undefined), {
      what: 'the failure callback',
    });
  });

  it('captures and cancellations under a delay rule are answered at once with the rule outcome', async () => {
    const order = await admin.createPaymentOrder({ amount: 6_000 });
    await admin.setOutcomes([{ operation: 'capture', outcome: 'Completed', delayMs: 60_000, times: 1 }]);
    const captured = await post(order, 'capture', money(1_000));
    assert.equal(captured.paymentOrder.remainingCaptureAmount, 5_000);
    assert.equal((await admin.paymentOrder(order.paymentOrder.id)).pending, false);
  });
});

describe('emulator: payment order faults and callbacks', () => {
  it('commit-then-drop on a capture: the answer is lost, the capture exists, the retry hears "already used"', async () => {
    const order = await admin.createPaymentOrder({ amount: 9_000 });
    await admin.setFaults([
      { api: 'payments', operation: 'capture', fault: { kind: 'status', status: 500 } },
      { api: 'paymentorders', operation: 'capture', times: 1, fault: { kind: 'commit-then-drop' } },
    ]);
    const reference = harness.reference();
    await assert.rejects(poRequest(harness, 'POST', orderHref(order, 'capture'), money(2_500, reference)), TypeError);
    assert.deepEqual(await financialTypes(order.paymentOrder.id), ['Authorization', 'Capture']);
    const retry = await poRequest(harness, 'POST', orderHref(order, 'capture'), money(2_500, reference));
    const problem = await expectOrderProblem(retry, 400, 'paymentorders/inputerror');
    assert.match(problem.problems[0]?.description ?? '', /already been used/);
    const fired = (await admin.faults()).rules.map((rule) => rule.fired);
    assert.deepEqual(fired, [0, 1], 'the legacy-only rule never fired');
  });

  it('request faults name payment order reads: a 503 on the order, a reset on its financial transactions', async () => {
    const order = await admin.createPaymentOrder({ amount: 9_000 });
    await admin.setFaults([
      { operation: 'get-paymentorder', times: 1, fault: { kind: 'status', status: 503 } },
      { operation: 'list-financialtransactions', times: 1, fault: { kind: 'reset-before-commit' } },
    ]);
    const unavailable = await poRequest(harness, 'GET', order.paymentOrder.id);
    assert.equal(unavailable.status, 503);
    await unavailable.arrayBuffer();
    await assert.rejects(poRequest(harness, 'GET', `${order.paymentOrder.id}/financialtransactions`), TypeError);
    assert.equal(
      (await expectOrder(await poRequest(harness, 'GET', order.paymentOrder.id))).paymentOrder.status,
      'Paid',
    );
  });

  it('callbacks are retried on non-2xx along the schedule; drop and duplicate faults apply', async () => {
    const order = await admin.createPaymentOrder({ amount: 9_000, callbackUrl: receiver.url });
    await eventually(
      () => (receiver.bodies.some((b) => b.paymentOrder.id === order.paymentOrder.id) ? true : undefined),
      {
        what: 'the payment callback',
      },
    );
    receiver.statuses.push(500, 503);
    await post(order, 'capture', money(1_000));
    const capture = (await admin.paymentOrder(order.paymentOrder.id)).transactions[1];
    await eventually(() => (receiver.about(capture?.number ?? -1).length === 3 ? true : undefined), {
      what: 'three attempts',
    });
    const log = (await admin.paymentOrderCallbacks()).filter((e) => e.body.paymentOrder.number === capture?.number);
    assert.deepEqual(
      log.map((e) => [e.event, e.attempt, e.status, e.delivered]),
      [
        ['attempt', 1, 500, false],
        ['attempt', 2, 503, false],
        ['attempt', 3, 200, true],
      ],
    );
    assert.equal((await admin.callbacks()).length, 0, 'no legacy payment called back');

    await admin.setCallbackFaults([{ kind: 'drop', probability: 1 }]);
    await post(order, 'capture', money(1_000));
    await admin.setCallbackFaults([{ kind: 'duplicate', probability: 1 }]);
    await post(order, 'capture', money(1_000));
    const [, , dropped, duplicated] = (await admin.paymentOrder(order.paymentOrder.id)).transactions;
    await eventually(() => (receiver.about(duplicated?.number ?? -1).length === 2 ? true : undefined), {
      what: 'two copies',
    });
    const droppedLog = (await admin.paymentOrderCallbacks()).filter(
      (e) => e.body.paymentOrder.number === dropped?.number,
    );
    assert.deepEqual(
      droppedLog.map((e) => e.event),
      ['dropped'],
    );
    assert.deepEqual(receiver.about(dropped?.number ?? -1), []);
  });

  it('the payer fails an attempt, fails for good, or aborts; each calls back', async () => {
    const retried = await admin.createPaymentOrder({ amount: 2_000, paid: false, callbackUrl: receiver.url });
    const failedOnce = await admin.failPaymentOrder(retried.paymentOrder.id);
    assert.equal(failedOnce.paymentOrder.status, 'Initialized');
    const paid = await admin.payPaymentOrder(retried.paymentOrder.id);
    assert.equal(paid.paymentOrder.status, 'Paid');
    const attempts = await poRequest(harness, 'GET', `${retried.paymentOrder.id}/failedattempts`);
    const list = ((await attempts.json()) as { failedAttempts: { failedAttemptList: { status: string }[] } })
      .failedAttempts.failedAttemptList;
    assert.deepEqual(
      list.map((a) => a.status),
      ['Failed'],
    );

    const doomed = await admin.createPaymentOrder({ amount: 2_000, paid: false, callbackUrl: receiver.url });
    const failed = await admin.failPaymentOrder(doomed.paymentOrder.id, { reason: 'INSUFFICIENT_FUNDS', final: true });
    assert.deepEqual([failed.paymentOrder.status, failed.operations], ['Failed', []]);
    const failure = await poRequest(harness, 'GET', `${doomed.paymentOrder.id}/failed`);
    const problem = ((await failure.json()) as { failed: { problem: { problems: { description: string }[] } } }).failed
      .problem;
    assert.equal(problem.problems[0]?.description, 'INSUFFICIENT_FUNDS');

    const abandoned = await admin.createPaymentOrder({ amount: 2_000, paid: false, callbackUrl: receiver.url });
    const aborted = await admin.payerAbortPaymentOrder(abandoned.paymentOrder.id);
    assert.deepEqual([aborted.paymentOrder.status, orderRels(aborted)], ['Aborted', ['redirect-checkout']]);

    const ids = [retried, doomed, abandoned].map((order) => order.paymentOrder.id);
    await eventually(
      () => {
        const counts = ids.map((id) => receiver.bodies.filter((b) => b.paymentOrder.id === id).length);
        return counts.join() === '2,1,1' ? counts : undefined;
      },
      { what: 'a callback per payer attempt' },
    );
  });

  it('reset forgets payment orders', async () => {
    const order = await admin.createPaymentOrder({ amount: 1_000 });
    await admin.reset();
    await expectOrderProblem(await poRequest(harness, 'GET', order.paymentOrder.id), 404, 'paymentorders/notfound');
    assert.deepEqual(await admin.ledger(), []);
  });
});
