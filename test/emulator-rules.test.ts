/**
 * The emulator's Swedbank Pay API and rules, over real HTTP on loopback: every resource parses with
 * the schemas of src/swedbank/schemas.ts, and every rule answers with its documented problem type
 * and status.
 */
import { TEST_TOKEN } from './secrets.js';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  CancellationListResponse,
  CancellationResponse,
  CaptureListResponse,
  CaptureResponse,
  InstrumentDataResponse,
  PaymentResponse,
  ReversalListResponse,
  ReversalResponse,
  TransactionResponse,
  type Transaction,
} from '../src/swedbank/schemas.js';
import { z } from 'zod';
import { EmulatorHarness, operationRels } from './emulator-helpers.js';

const TOKEN = TEST_TOKEN;
const TransactionListResponse = z.object({
  payment: z.string(),
  transactions: z.object({ id: z.string(), transactionList: z.array(TransactionResponse.shape.transaction) }),
});

/**
 * The client's schemas read Swedbank Pay's documented variations (enums in any case, relative hrefs,
 * lists as arrays); the emulator answers exactly as the seed does: checked on every answer parsed here.
 */
function seedShaped(json: unknown): unknown {
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`));
    if (typeof value !== 'object' || value === null) return;
    for (const [key, v] of Object.entries(value)) {
      const at = `${path}.${key}`;
      if (key === 'state' || key === 'type') assert.match(String(v), /^[A-Z][A-Za-z]+$/, `${at} in the seed's case`);
      if (/^(captures|cancellations|reversals|transactions)$/.test(key))
        assert.ok(!Array.isArray(v), `${at} an object`);
      if (key === 'operations') {
        for (const op of v as { method: string; href: string; contentType?: string }[]) {
          assert.match(op.method, /^[A-Z]+$/, `${at} method`);
          assert.match(op.href, /^https?:\/\//, `${at} href absolute`);
          assert.ok(op.contentType, `${at} contentType`);
        }
      }
      walk(v, at);
    }
  };
  walk(json, '$');
  return json;
}

let harness: EmulatorHarness;

before(async () => {
  harness = await EmulatorHarness.start({ token: TOKEN, seed: 7 });
});

afterEach(async () => {
  await harness.adminOk('DELETE', '/async');
});

after(async () => {
  await harness.close();
});

async function capture(paymentId: string, amount: number, vatAmount = 0): Promise<z.infer<typeof CaptureResponse>> {
  const response = await harness.psp('POST', `${paymentId}/captures`, harness.cardCapture(amount, vatAmount));
  assert.equal(response.status, 200, await response.clone().text());
  return CaptureResponse.parse(seedShaped(await response.json()));
}

async function reverse(paymentId: string, amount: number): Promise<z.infer<typeof ReversalResponse>> {
  const response = await harness.psp('POST', `${paymentId}/reversals`, harness.cardCapture(amount));
  assert.equal(response.status, 200, await response.clone().text());
  return ReversalResponse.parse(seedShaped(await response.json()));
}

function cancellationBody(payeeReference = harness.reference()) {
  return { transaction: { description: 'Test Cancellation', payeeReference } };
}

function lastSegment(id: string): string {
  return id.split('/').pop() ?? '';
}

function assertCompleted(transaction: Transaction, type: Transaction['type'], amount: number): void {
  assert.equal(transaction.type, type);
  assert.equal(transaction.state, 'Completed');
  assert.equal(transaction.amount, amount);
  assert.equal(transaction.failedReason, undefined);
  assert.equal(transaction.isOperational, false);
  assert.deepEqual(transaction.operations, []);
}

async function setAsyncRules(rules: unknown[]): Promise<void> {
  await harness.adminOk('PUT', '/async', { rules });
}

describe('emulator: Swedbank Pay resources', () => {
  it('serves an admin-created payment as an authorized payment resource with absolute operation hrefs', async () => {
    const created = await harness.createPayment({ amount: 10_000, vatAmount: 2_000 });
    const { payment } = created;
    assert.match(payment.id, /^\/psp\/creditcard\/payments\/[0-9a-f-]{36}$/);
    assert.equal(payment.state, 'Ready');
    assert.equal(payment.remainingCaptureAmount, 10_000);
    assert.equal(payment.remainingCancellationAmount, 10_000);
    assert.equal(payment.remainingReversalAmount, 0);
    assert.deepEqual(operationRels(created), ['create-cancellation', 'create-capture', 'update-payment-abort']);
    for (const operation of created.operations) {
      assert.ok(operation.href.startsWith(`${harness.baseUrl}${payment.id}`), operation.href);
      assert.equal(operation.contentType, 'application/json');
    }
    const fetched = await harness.getPayment(payment.id);
    assert.deepEqual(fetched, created);
    const transactions = TransactionListResponse.parse(
      seedShaped(await (await harness.psp('GET', `${payment.id}/transactions`)).json()),
    );
    assert.equal(transactions.transactions.transactionList.length, 1);
    assertCompleted(transactions.transactions.transactionList[0]!, 'Authorization', 10_000);
  });

  it('captures exactly as the seed shows: the POST answer, the list and the single capture parse', async () => {
    const { payment } = await harness.createPayment();
    const payeeReference = harness.reference();
    const response = await harness.psp('POST', `${payment.id}/captures`, {
      transaction: { amount: 1_500, vatAmount: 250, description: 'Test Capture', payeeReference },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const raw = (await response.json()) as { capture: { transaction: { number: unknown } } };
    assert.equal(typeof raw.capture.transaction.number, 'number', 'number is an integer, as in the seed');
    const created = CaptureResponse.parse(seedShaped(raw));
    const transactionId = lastSegment(created.capture.id);
    assert.equal(created.payment, payment.id);
    assert.equal(created.capture.id, `${payment.id}/captures/${transactionId}`);
    assert.equal(created.capture.transaction.id, `${payment.id}/transactions/${transactionId}`);
    assertCompleted(created.capture.transaction, 'Capture', 1_500);
    assert.equal(created.capture.transaction.vatAmount, 250);
    assert.equal(created.capture.transaction.payeeReference, payeeReference);
    assert.equal(created.capture.transaction.description, 'Test Capture');

    const list = CaptureListResponse.parse(
      seedShaped(await (await harness.psp('GET', `${payment.id}/captures`)).json()),
    );
    assert.equal(list.captures.id, `${payment.id}/captures`);
    assert.deepEqual(list.captures.captureList, [created.capture]);
    const single = CaptureResponse.parse(seedShaped(await (await harness.psp('GET', created.capture.id)).json()));
    assert.deepEqual(single, created);
    const asTransaction = TransactionResponse.parse(
      seedShaped(await (await harness.psp('GET', created.capture.transaction.id)).json()),
    );
    assert.deepEqual(asTransaction.transaction, created.capture.transaction);

    const after = await harness.getPayment(payment.id);
    assert.equal(after.payment.remainingCaptureAmount, 8_500);
    assert.equal(after.payment.remainingReversalAmount, 1_500);
    assert.ok(operationRels(after).includes('create-reversal'));
    assert.ok(!operationRels(after).includes('update-payment-abort'), 'no abort after a successful capture');
  });

  it('reversals use the singular /reversal/ paths of the seed, for the entry and the list', async () => {
    const { payment } = await harness.createPayment();
    await capture(payment.id, 3_000);
    const reversal = await reverse(payment.id, 1_000);
    const transactionId = lastSegment(reversal.reversal.id);
    assert.equal(reversal.reversal.id, `${payment.id}/reversal/${transactionId}`);
    assert.equal(reversal.reversal.transaction.id, `${payment.id}/transactions/${transactionId}`);
    assertCompleted(reversal.reversal.transaction, 'Reversal', 1_000);
    const list = ReversalListResponse.parse(
      seedShaped(await (await harness.psp('GET', `${payment.id}/reversals`)).json()),
    );
    assert.equal(list.reversals.id, `${payment.id}/reversal`);
    assert.deepEqual(list.reversals.reversalList, [reversal.reversal]);
    const single = ReversalResponse.parse(seedShaped(await (await harness.psp('GET', reversal.reversal.id)).json()));
    assert.deepEqual(single, reversal);
    const { payment: after } = await harness.getPayment(payment.id);
    assert.equal(after.remainingReversalAmount, 2_000);
  });

  it('a cancellation cancels exactly the remaining amount, with its share of the VAT', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000, vatAmount: 2_000 });
    await capture(payment.id, 4_000, 800);
    const response = await harness.psp('POST', `${payment.id}/cancellations`, cancellationBody());
    assert.equal(response.status, 200);
    const cancellation = CancellationResponse.parse(seedShaped(await response.json()));
    assert.equal(
      cancellation.cancellation.id,
      `${payment.id}/cancellations/${lastSegment(cancellation.cancellation.id)}`,
    );
    assertCompleted(cancellation.cancellation.transaction, 'Cancellation', 6_000);
    assert.equal(cancellation.cancellation.transaction.vatAmount, 1_200);
    const list = CancellationListResponse.parse(
      seedShaped(await (await harness.psp('GET', `${payment.id}/cancellations`)).json()),
    );
    assert.deepEqual(list.cancellations.cancellationList, [cancellation.cancellation]);
    const after = await harness.getPayment(payment.id);
    assert.equal(after.payment.remainingCaptureAmount, 0);
    assert.equal(after.payment.remainingCancellationAmount, 0);
    assert.deepEqual(operationRels(after), ['create-reversal']);
  });

  it('operations follow the amounts: nothing left to capture, then nothing left to reverse', async () => {
    const { payment } = await harness.createPayment({ amount: 5_000, vatAmount: 0 });
    await capture(payment.id, 5_000);
    const captured = await harness.getPayment(payment.id);
    assert.deepEqual(operationRels(captured), ['create-reversal']);
    await reverse(payment.id, 5_000);
    const reversed = await harness.getPayment(payment.id);
    assert.deepEqual(operationRels(reversed), []);
    assert.equal(reversed.payment.state, 'Ready');
  });

  it('invoice payments take the invoice request bodies (activity, itemDescriptions, vatSummary)', async () => {
    const { payment } = await harness.createPayment({ instrument: 'invoice', amount: 10_000, vatAmount: 2_000 });
    assert.match(payment.id, /^\/psp\/invoice\/payments\//);
    const cardBody = await harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(1_000));
    const problem = await harness.expectProblem(cardBody, 'inputerror', 400);
    assert.ok(problem.problems.some((p) => p.name === 'transaction.activity'));
    const captureResponse = await harness.psp('POST', `${payment.id}/captures`, {
      transaction: {
        activity: 'FinancingConsumer',
        amount: 5_000,
        vatAmount: 1_000,
        description: 'Invoice capture',
        payeeReference: harness.reference(),
        itemDescriptions: [{ amount: 5_000, description: 'Two shirts' }],
        vatSummary: [{ amount: 5_000, vatPercent: 2_500, vatAmount: 1_000 }],
      },
    });
    assert.equal(captureResponse.status, 200);
    assertCompleted(
      CaptureResponse.parse(seedShaped(await captureResponse.json())).capture.transaction,
      'Capture',
      5_000,
    );
    const reversalResponse = await harness.psp('POST', `${payment.id}/reversals`, {
      transaction: {
        activity: 'FinancingConsumer',
        amount: 1_000,
        vatAmount: 200,
        description: 'Invoice reversal',
        payeeReference: harness.reference(),
      },
    });
    assert.equal(reversalResponse.status, 200);
    ReversalResponse.parse(seedShaped(await reversalResponse.json()));
    const cancellationResponse = await harness.psp('POST', `${payment.id}/cancellations`, {
      transaction: { activity: 'FinancingConsumer', description: 'Rest', payeeReference: harness.reference() },
    });
    assert.equal(cancellationResponse.status, 200);
    const cancellation = CancellationResponse.parse(seedShaped(await cancellationResponse.json()));
    assert.equal(cancellation.cancellation.transaction.amount, 5_000);
  });

  it('deletes a payment token, idempotently; an unknown token is 404 notfound', async () => {
    const paymentToken = `tok-${harness.reference()}`;
    await harness.createPayment({ paymentToken });
    const body = { state: 'Deleted', tokenType: 'PaymentToken', comment: 'Customer asked' };
    for (let round = 0; round < 2; round += 1) {
      const response = await harness.psp('PATCH', `/psp/creditcard/payments/instrumentData/${paymentToken}`, body);
      assert.equal(response.status, 200);
      const { instrumentData } = InstrumentDataResponse.parse(seedShaped(await response.json()));
      assert.equal(instrumentData.id, `/psp/creditcard/payments/instrumentdata/${paymentToken}`);
      assert.equal(instrumentData.paymentToken, paymentToken);
      assert.equal(instrumentData.isDeleted, true);
      assert.equal(instrumentData.isPayeeToken, false);
    }
    const unknown = await harness.psp('PATCH', '/psp/creditcard/payments/instrumentData/no-such-token', body);
    await harness.expectProblem(unknown, 'notfound', 404);
    const invalid = await harness.psp('PATCH', `/psp/creditcard/payments/instrumentData/${paymentToken}`, {
      state: 'Active',
      tokenType: 'PaymentToken',
      comment: 'x',
    });
    await harness.expectProblem(invalid, 'inputerror', 400);
  });

  it('the ledger adds up: totals are the sums of completed transactions and match the payment resource', async () => {
    const { payment } = await harness.createPayment({ amount: 20_000, vatAmount: 4_000 });
    await capture(payment.id, 7_000);
    await capture(payment.id, 3_000);
    await reverse(payment.id, 2_500);
    await setAsyncRules([{ operation: 'capture', outcome: 'Failed', times: 1, failedReason: 'Insufficient funds' }]);
    const declined = await harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(1_000));
    await harness.expectProblem(declined, 'acquirererror', 403);
    const cancelled = await harness.psp('POST', `${payment.id}/cancellations`, cancellationBody());
    assert.equal(cancelled.status, 200);

    const entry = await harness.ledgerEntry(payment.id);
    const completed = (type: string) =>
      entry.transactions
        .filter((t) => t.type === type && t.state === 'Completed')
        .reduce((sum, t) => sum + t.amount, 0);
    assert.deepEqual(
      entry.transactions.map((t) => [t.type, t.state, t.amount]),
      [
        ['Authorization', 'Completed', 20_000],
        ['Capture', 'Completed', 7_000],
        ['Capture', 'Completed', 3_000],
        ['Reversal', 'Completed', 2_500],
        ['Capture', 'Failed', 1_000],
        ['Cancellation', 'Completed', 10_000],
      ],
    );
    assert.equal(entry.transactions[4]?.failedReason, 'Insufficient funds');
    assert.deepEqual(entry.totals, {
      authorized: completed('Authorization'),
      captured: completed('Capture'),
      cancelled: completed('Cancellation'),
      reversed: completed('Reversal'),
      remainingCaptureAmount: 0,
      remainingCancellationAmount: 0,
      remainingReversalAmount: 7_500,
    });
    assert.equal(entry.totals.authorized, entry.totals.captured + entry.totals.cancelled);
    const { payment: resource } = await harness.getPayment(payment.id);
    assert.equal(resource.remainingCaptureAmount, entry.totals.remainingCaptureAmount);
    assert.equal(resource.remainingCancellationAmount, entry.totals.remainingCancellationAmount);
    assert.equal(resource.remainingReversalAmount, entry.totals.remainingReversalAmount);
    assert.equal(entry.state, 'Ready');
    assert.equal(entry.locked, false);
  });
});

describe('emulator: Swedbank Pay rules', () => {
  it('a body that fails the strict request schema is 400 inputerror naming the fields; nothing is committed', async () => {
    const { payment } = await harness.createPayment();
    const valid = { amount: 1_000, vatAmount: 0, description: 'Test Capture', payeeReference: 'ABC123x' };
    const cases: { body: unknown; field: string }[] = [
      { body: { transaction: { ...valid, amount: 0 } }, field: 'transaction.amount' },
      { body: { transaction: { ...valid, amount: -5 } }, field: 'transaction.amount' },
      { body: { transaction: { ...valid, amount: 10.5 } }, field: 'transaction.amount' },
      { body: { transaction: { ...valid, amount: '1000' } }, field: 'transaction.amount' },
      { body: { transaction: { ...valid, vatAmount: 1_001 } }, field: 'transaction.vatAmount' },
      { body: { transaction: { ...valid, description: 'x'.repeat(41) } }, field: 'transaction.description' },
      { body: { transaction: { ...valid, payeeReference: 'ABC-123' } }, field: 'transaction.payeeReference' },
      { body: { transaction: { ...valid, payeeReference: 'A'.repeat(31) } }, field: 'transaction.payeeReference' },
      { body: { transaction: { ...valid, currency: 'SEK' } }, field: 'transaction.currency' },
      { body: { transaction: valid, extra: true }, field: 'extra' },
      { body: {}, field: 'transaction' },
      { body: '{"transaction": {', field: 'body' },
    ];
    for (const { body, field } of cases) {
      const response = await harness.psp('POST', `${payment.id}/captures`, body);
      const problem = await harness.expectProblem(response, 'inputerror', 400);
      assert.ok(
        problem.problems.some((p) => p.name === field),
        `${JSON.stringify(body)} names ${field}: ${JSON.stringify(problem.problems)}`,
      );
      assert.equal(problem.instance, `${payment.id}/captures`);
    }
    const entry = await harness.ledgerEntry(payment.id);
    assert.equal(entry.transactions.length, 1, 'only the authorization');
    assert.equal(entry.consecutiveFailures, 0, 'schema rejections do not count towards the lock');
  });

  it('a capture above remainingCaptureAmount is 400 inputerror on Transaction.Amount; the exact remainder passes', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000 });
    await capture(payment.id, 6_000);
    const tooMuch = await harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(4_001));
    const problem = await harness.expectProblem(tooMuch, 'inputerror', 400);
    assert.deepEqual(
      problem.problems.map((p) => p.name),
      ['Transaction.Amount'],
    );
    await capture(payment.id, 4_000);
    const { payment: after } = await harness.getPayment(payment.id);
    assert.equal(after.remainingCaptureAmount, 0);
  });

  it('a cancellation with nothing left to cancel is 403 forbidden', async () => {
    const { payment } = await harness.createPayment({ amount: 2_000 });
    await capture(payment.id, 2_000);
    const response = await harness.psp('POST', `${payment.id}/cancellations`, cancellationBody());
    await harness.expectProblem(response, 'forbidden', 403);
    const entry = await harness.ledgerEntry(payment.id);
    assert.equal(entry.totals.cancelled, 0);
  });

  it('a reversal above remainingReversalAmount (captured - reversed) is 400 inputerror', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000 });
    const nothingCaptured = await harness.psp('POST', `${payment.id}/reversals`, harness.cardCapture(1));
    const first = await harness.expectProblem(nothingCaptured, 'inputerror', 400);
    assert.equal(first.problems[0]?.name, 'Transaction.Amount');
    await capture(payment.id, 3_000);
    await reverse(payment.id, 2_000);
    const tooMuch = await harness.psp('POST', `${payment.id}/reversals`, harness.cardCapture(1_001));
    await harness.expectProblem(tooMuch, 'inputerror', 400);
    await reverse(payment.id, 1_000);
  });

  it('abort is allowed only without a successful capture, cancellation or reversal, and not twice', async () => {
    const abortBody = { payment: { operation: 'Abort', abortReason: 'CancelledByConsumer' } };
    const { payment } = await harness.createPayment();
    const aborted = await harness.psp('PATCH', payment.id, abortBody);
    assert.equal(aborted.status, 200);
    const abortedPayment = PaymentResponse.parse(seedShaped(await aborted.json()));
    assert.equal(abortedPayment.payment.state, 'Aborted');
    assert.deepEqual(operationRels(abortedPayment), []);
    await harness.expectProblem(await harness.psp('PATCH', payment.id, abortBody), 'forbidden', 403);
    const captureOnAborted = await harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(100));
    await harness.expectProblem(captureOnAborted, 'forbidden', 403);

    const { payment: captured } = await harness.createPayment();
    await capture(captured.id, 100);
    await harness.expectProblem(await harness.psp('PATCH', captured.id, abortBody), 'forbidden', 403);

    const { payment: declinedOnly } = await harness.createPayment();
    await setAsyncRules([{ operation: 'capture', outcome: 'Failed', times: 1 }]);
    const declined = await harness.psp('POST', `${declinedOnly.id}/captures`, harness.cardCapture(100));
    await harness.expectProblem(declined, 'acquirererror', 403);
    const abortAfterDecline = await harness.psp('PATCH', declinedOnly.id, abortBody);
    assert.equal(abortAfterDecline.status, 200, 'a failed capture is not a successful transaction');

    const { payment: wrongBody } = await harness.createPayment();
    const invalid = await harness.psp('PATCH', wrongBody.id, { payment: { operation: 'Abort' } });
    await harness.expectProblem(invalid, 'inputerror', 400);
  });

  it('a reused payeeReference is 400 inputerror "already been used", across payments and kinds, before any other rule', async () => {
    const { payment: first } = await harness.createPayment();
    const { payment: second } = await harness.createPayment({ amount: 1_000, vatAmount: 0 });
    const reference = harness.reference();
    const original = await harness.psp('POST', `${first.id}/captures`, harness.cardCapture(1_000, 0, reference));
    assert.equal(original.status, 200);

    const reuses: [string, unknown][] = [
      [`${first.id}/captures`, harness.cardCapture(1_000, 0, reference)],
      [`${second.id}/captures`, harness.cardCapture(10, 0, reference)],
      [`${second.id}/cancellations`, cancellationBody(reference)],
      [`${first.id}/reversals`, harness.cardCapture(10, 0, reference)],
      // Other rules would also reject these; reuse is reported first.
      [`${second.id}/captures`, harness.cardCapture(999_999, 0, reference)],
      [`${second.id}/captures`, harness.cardCapture(10, 0, first.payeeReference ?? 'missing')],
    ];
    for (const [path, body] of reuses) {
      const problem = await harness.expectProblem(await harness.psp('POST', path, body), 'inputerror', 400);
      assert.deepEqual(
        problem.problems.map((p) => p.name),
        ['PayeeReference'],
      );
      assert.match(problem.problems[0]?.description ?? '', /already been used/);
    }
    const abortBody = { payment: { operation: 'Abort', abortReason: 'CancelledByConsumer' } };
    assert.equal((await harness.psp('PATCH', second.id, abortBody)).status, 200);
    const onAborted = await harness.psp('POST', `${second.id}/captures`, harness.cardCapture(10, 0, reference));
    const problem = await harness.expectProblem(onAborted, 'inputerror', 400);
    assert.match(problem.problems[0]?.description ?? '', /already been used/);

    const firstEntry = await harness.ledgerEntry(first.id);
    assert.equal(firstEntry.transactions.filter((t) => t.payeeReference === reference).length, 1);
  });

  it('a Pending payment accepts no new transaction and no abort: 403 forbidden', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000 });
    await setAsyncRules([{ operation: 'capture', outcome: 'Completed', delayMs: null, times: 1 }]);
    const pending = CaptureResponse.parse(
      seedShaped(await (await harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(1_000))).json()),
    );
    assert.equal(pending.capture.transaction.state, 'Initialized');
    const resource = await harness.getPayment(payment.id);
    assert.equal(resource.payment.state, 'Pending');
    assert.deepEqual(operationRels(resource), []);
    const abortBody = { payment: { operation: 'Abort', abortReason: 'CancelledByConsumer' } };
    const attempts: [string, string, unknown][] = [
      ['POST', `${payment.id}/captures`, harness.cardCapture(1_000)],
      ['POST', `${payment.id}/cancellations`, cancellationBody()],
      ['POST', `${payment.id}/reversals`, harness.cardCapture(1)],
      ['PATCH', payment.id, abortBody],
    ];
    for (const [method, path, body] of attempts) {
      await harness.expectProblem(await harness.psp(method, path, body), 'forbidden', 403);
    }
    await harness.adminOk('POST', '/transactions/complete', {
      transactionId: pending.capture.transaction.id,
      outcome: 'Completed',
    });
    const settled = await harness.getPayment(payment.id);
    assert.equal(settled.payment.state, 'Ready');
    assert.equal(settled.payment.remainingCaptureAmount, 9_000);
  });

  it('five consecutive failed captures or reversals lock the payment: 403 forbidden naming the lock', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000 });
    await capture(payment.id, 1_000);
    // Two rule rejections, two declines, one rejected reversal: five in a row.
    for (const amount of [20_000, 30_000]) {
      await harness.expectProblem(
        await harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(amount)),
        'inputerror',
        400,
      );
    }
    await setAsyncRules([{ operation: 'capture', outcome: 'Failed', times: 2, failedReason: 'Do not honour' }]);
    for (let i = 0; i < 2; i += 1) {
      await harness.expectProblem(
        await harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(100)),
        'acquirererror',
        403,
      );
    }
    const before = await harness.getPayment(payment.id);
    assert.ok(operationRels(before).includes('create-capture'), 'four failures do not lock yet');
    await harness.expectProblem(
      await harness.psp('POST', `${payment.id}/reversals`, harness.cardCapture(5_000)),
      'inputerror',
      400,
    );

    for (const path of [`${payment.id}/captures`, `${payment.id}/reversals`]) {
      const problem = await harness.expectProblem(
        await harness.psp('POST', path, harness.cardCapture(100)),
        'forbidden',
        403,
      );
      assert.match(problem.problems[0]?.description ?? '', /locked/);
    }
    const locked = await harness.getPayment(payment.id);
    assert.deepEqual(operationRels(locked), ['create-cancellation']);
    const entry = await harness.ledgerEntry(payment.id);
    assert.equal(entry.locked, true);
    assert.equal(entry.totals.captured, 1_000);
  });

  it('a completed capture resets the consecutive-failure counter', async () => {
    const { payment } = await harness.createPayment({ amount: 10_000 });
    const reject = async () =>
      harness.expectProblem(
        await harness.psp('POST', `${payment.id}/captures`, harness.cardCapture(50_000)),
        'inputerror',
        400,
      );
    for (let i = 0; i < 4; i += 1) await reject();
    assert.equal((await harness.ledgerEntry(payment.id)).consecutiveFailures, 4);
    await capture(payment.id, 1_000);
    assert.equal((await harness.ledgerEntry(payment.id)).consecutiveFailures, 0);
    for (let i = 0; i < 4; i += 1) await reject();
    await capture(payment.id, 1_000);
    assert.equal((await harness.ledgerEntry(payment.id)).locked, false);
  });

  it('a synchronous decline records a Failed transaction: 403 acquirererror for cards, forbidden for invoices', async () => {
    await setAsyncRules([
      { operation: 'capture', outcome: 'Failed', failedReason: 'Card expired', times: 1, instrument: 'creditcard' },
      {
        operation: 'cancellation',
        outcome: 'Failed',
        failedReason: 'Issuer unavailable',
        times: 1,
        instrument: 'invoice',
      },
    ]);
    const { payment: card } = await harness.createPayment({ amount: 10_000 });
    const declined = await harness.psp('POST', `${card.id}/captures`, harness.cardCapture(2_000));
    const problem = await harness.expectProblem(declined, 'acquirererror', 403);
    assert.match(problem.detail ?? '', /Card expired/);
    const list = CaptureListResponse.parse(seedShaped(await (await harness.psp('GET', `${card.id}/captures`)).json()));
    assert.equal(list.captures.captureList.length, 1);
    const failed = list.captures.captureList[0]!.transaction;
    assert.equal(failed.state, 'Failed');
    assert.equal(failed.failedReason, 'Card expired');
    assert.equal(failed.amount, 2_000);
    const { payment: cardAfter } = await harness.getPayment(card.id);
    assert.equal(cardAfter.state, 'Ready');
    assert.equal(cardAfter.remainingCaptureAmount, 10_000);

    const { payment: invoice } = await harness.createPayment({ instrument: 'invoice', amount: 5_000 });
    const invoiceDeclined = await harness.psp('POST', `${invoice.id}/cancellations`, {
      transaction: { activity: 'FinancingConsumer', description: 'Rest', payeeReference: harness.reference() },
    });
    await harness.expectProblem(invoiceDeclined, 'forbidden', 403);
    const entry = await harness.ledgerEntry(invoice.id);
    assert.deepEqual(
      entry.transactions.map((t) => [t.type, t.state, t.failedReason]),
      [
        ['Authorization', 'Completed', null],
        ['Cancellation', 'Failed', 'Issuer unavailable'],
      ],
    );
  });

  it('unknown payments, transactions and routes are 404 notfound', async () => {
    const { payment } = await harness.createPayment();
    const created = await capture(payment.id, 100);
    const unknownPayment = '/psp/creditcard/payments/00000000-0000-4000-8000-000000000000';
    const captureId = lastSegment(created.capture.id);
    const requests: [string, string, unknown?][] = [
      ['GET', unknownPayment],
      ['POST', `${unknownPayment}/captures`, harness.cardCapture(100)],
      ['GET', `${payment.id}/captures/00000000-0000-4000-8000-000000000000`],
      ['GET', `${payment.id}/transactions/00000000-0000-4000-8000-000000000000`],
      ['GET', `${payment.id}/reversal/${captureId}`],
      ['GET', payment.id.replace('/creditcard/', '/invoice/')],
      ['GET', '/psp/creditcard/no-such-resource'],
    ];
    for (const [method, path, body] of requests) {
      await harness.expectProblem(await harness.psp(method, path, body), 'notfound', 404);
    }
  });

  it('without the bearer token every /psp request is 401 unauthorized; the admin API needs none', async () => {
    const { payment } = await harness.createPayment();
    const missing = await fetch(`${harness.baseUrl}${payment.id}`);
    await harness.expectProblem(missing, 'unauthorized', 401);
    const wrong = await fetch(`${harness.baseUrl}${payment.id}`, { headers: { authorization: 'Bearer wrong' } });
    await harness.expectProblem(wrong, 'unauthorized', 401);
    const captureWithout = await fetch(`${harness.baseUrl}${payment.id}/captures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(harness.cardCapture(100)),
    });
    await harness.expectProblem(captureWithout, 'unauthorized', 401);
    assert.equal((await harness.ledgerEntry(payment.id)).transactions.length, 1);
  });
});
