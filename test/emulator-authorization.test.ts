/**
 * The emulator's payments that await the payer's authorization, over real HTTP on loopback: how
 * Swedbank Pay shows them, the admin API that authorizes or declines them, the callback that follows,
 * and the rules around abort, all read with this package's Swedbank Pay client.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EmulatorAdmin, EmulatorAdminError } from '../src/emulator/admin-client.js';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { SwedbankPayClient } from '../src/swedbank/client.js';
import { OperationNotAvailableError, ProblemError } from '../src/swedbank/errors.js';
import type { PaymentResponse } from '../src/swedbank/schemas.js';
import { eventually } from './harness.js';
import { TEST_TOKEN } from './secrets.js';

let emulator: RunningEmulator;
let admin: EmulatorAdmin;
let client: SwedbankPayClient;
let receiver: Server;
let callbackUrl: string;
const received: unknown[] = [];

before(async () => {
  emulator = await startEmulator({ token: TEST_TOKEN, callbackRetryScheduleMs: [0, 100] });
  admin = new EmulatorAdmin(emulator.baseUrl);
  client = new SwedbankPayClient({ baseUrl: emulator.baseUrl, token: TEST_TOKEN, timeoutMs: 5_000 });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callbacks`;
});

after(async () => {
  client.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await emulator.close();
});

function rels(resource: PaymentResponse): string[] {
  return resource.operations.map((o) => o.rel).sort();
}

async function unpaidPayment(amount = 10_000): Promise<string> {
  const created = await admin.createPayment({
    instrument: 'creditcard',
    amount,
    vatAmount: amount / 5,
    currency: 'SEK',
    callbackUrl,
    awaitingAuthorization: true,
  });
  return created.payment.id;
}

/** A raw Swedbank Pay request, bypassing the client's own "operation absent" check. */
function psp(method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof EmulatorAdminError, String(err));
    assert.equal(err.status, status, err.message);
    return true;
  });
}

describe('emulator: a payment awaiting its authorization', () => {
  it('is Ready with nothing authorized, offers only abort, and refuses captures', async () => {
    const paymentId = await unpaidPayment(10_000);
    const { payment, operations, transactions } = await client.getPaymentWithTransactions(paymentId);
    assert.equal(payment.state, 'Ready');
    assert.equal(payment.amount, 10_000);
    assert.equal(payment.remainingCaptureAmount, 0);
    assert.equal(payment.remainingCancellationAmount, 0);
    assert.deepEqual(rels({ payment, operations }), ['update-payment-abort']);
    assert.deepEqual(transactions, []);
    await assert.rejects(
      client.capture(paymentId, { amount: 1_000, vatAmount: 0, description: 'Early', payeeReference: 'EARLY1' }),
      OperationNotAvailableError,
    );
    const direct = await psp('POST', `${paymentId}/captures`, {
      transaction: { amount: 1_000, vatAmount: 0, description: 'Early', payeeReference: 'EARLY2' },
    });
    assert.equal(direct.status, 403, 'no capture before the authorization');
    const entry = await admin.payment(paymentId);
    assert.equal(entry.totals.authorized, 0);
    assert.equal(entry.consecutiveFailures, 0, 'a refused early capture is not a failed capture');
    assert.equal(
      received.filter((c) => (c as { payment: { id: string } }).payment.id === paymentId).length,
      0,
      'no callback before anything happened',
    );
  });

  it('authorized for another amount: capture and cancel offered, abort no longer; a callback names the authorization', async () => {
    const paymentId = await unpaidPayment(10_000);
    const change = await admin.authorizePayment(paymentId, { amount: 8_000 });
    assert.equal(change.payment, paymentId);
    assert.deepEqual([change.transaction.type, change.transaction.state], ['Authorization', 'Completed']);
    assert.equal(change.transaction.amount, 8_000);
    assert.equal(change.transaction.vatAmount, 1_600, 'proportional VAT of the authorized part');

    const { payment, operations, transactions } = await client.getPaymentWithTransactions(paymentId);
    assert.equal(payment.state, 'Ready');
    assert.equal(payment.remainingCaptureAmount, 8_000);
    assert.deepEqual(rels({ payment, operations }), ['create-cancellation', 'create-capture']);
    assert.deepEqual(
      transactions.map((t) => [t.type, t.state, t.amount]),
      [['Authorization', 'Completed', 8_000]],
    );
    await eventually(
      () =>
        received.some((c) => (c as { transaction: { id: string } }).transaction.id === change.transaction.id)
          ? true
          : undefined,
      { what: 'authorization callback' },
    );

    // Swedbank Pay's rule: the authorization is a successful transaction, so abort is over.
    await assert.rejects(client.abort(paymentId), OperationNotAvailableError);
    const patch = await psp('PATCH', paymentId, {
      payment: { operation: 'Abort', abortReason: 'CancelledByConsumer' },
    });
    assert.equal(patch.status, 403);
    await rejectsWithStatus(admin.authorizePayment(paymentId), 409);

    await assert.rejects(
      client.capture(paymentId, { amount: 8_001, vatAmount: 0, description: 'Too much', payeeReference: 'OVER1' }),
      ProblemError,
    );
    const capture = await client.capture(paymentId, {
      amount: 8_000,
      vatAmount: 1_600,
      description: 'All of it',
      payeeReference: 'ALL1',
    });
    assert.equal(capture.transaction.state, 'Completed');
    assert.equal((await admin.payment(paymentId)).totals.captured, 8_000);
  });

  it('a declined attempt leaves it Ready for another; a final decline makes it Failed for good', async () => {
    const retried = await unpaidPayment(5_000);
    const declined = await admin.failAuthorization(retried, { failedReason: 'Insufficient funds', final: false });
    assert.deepEqual([declined.transaction.state, declined.transaction.failedReason], ['Failed', 'Insufficient funds']);
    let resource = await client.getPaymentWithTransactions(retried);
    assert.equal(resource.payment.state, 'Ready');
    assert.deepEqual(rels(resource), ['update-payment-abort']);
    await admin.authorizePayment(retried);
    resource = await client.getPaymentWithTransactions(retried);
    assert.deepEqual(
      resource.transactions.map((t) => t.state),
      ['Failed', 'Completed'],
    );
    assert.equal(resource.payment.remainingCaptureAmount, 5_000);

    const failed = await unpaidPayment(5_000);
    await admin.failAuthorization(failed);
    resource = await client.getPaymentWithTransactions(failed);
    assert.equal(resource.payment.state, 'Failed');
    assert.deepEqual(resource.operations, []);
    assert.equal(resource.transactions[0]?.failedReason, 'Authorization declined by the emulator');
    await rejectsWithStatus(admin.authorizePayment(failed), 403);
    await rejectsWithStatus(admin.failAuthorization(failed), 403);
    assert.equal((await admin.payment(failed)).state, 'Failed');
  });

  it('an unpaid payment aborts with the documented PATCH and can no longer be authorized', async () => {
    const paymentId = await unpaidPayment();
    const aborted = await client.abort(paymentId);
    assert.equal(aborted.payment.state, 'Aborted');
    assert.deepEqual(aborted.operations, []);
    await rejectsWithStatus(admin.authorizePayment(paymentId), 403);
    assert.equal((await admin.payment(paymentId)).totals.authorized, 0);
  });

  it('refuses unknown payments and malformed requests', async () => {
    await rejectsWithStatus(
      admin.authorizePayment('/psp/creditcard/payments/00000000-0000-0000-0000-000000000000'),
      404,
    );
    const paymentId = await unpaidPayment();
    await rejectsWithStatus(admin.authorizePayment(paymentId, { amount: 0 }), 400);
    await rejectsWithStatus(admin.authorizePayment(paymentId, { amount: 1.5 }), 400);
    assert.equal((await admin.payment(paymentId)).totals.authorized, 0);
  });
});
