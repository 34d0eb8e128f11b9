// The lifecycle from the authorization on: a payment workflow started while the payer is still
// paying holds requests until Swedbank Pay says how it ended, on a real dev server against the
// emulator over HTTP.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { paymentStartOptions } from '../src/client/start-options.js';
import { PAYMENT_STATE } from '../src/contract/index.js';
import type { PaymentPolicy, PaymentWorkflowInput } from '../src/contract/index.js';
import {
  abortSignal,
  abortUpdate,
  cancelSignal,
  cancelUpdate,
  captureSignal,
  captureUpdate,
  reverseUpdate,
  type OperationResult,
} from '../src/contract/index.js';
import { swedbankPayPayment } from '../src/workflows/payment.js';
import { eventually, temporal } from './harness.js';
import { FAST_POLICY, saveHistory, state, usePaymentFixture, waitForState } from './payment-fixture.js';

const fx = usePaymentFixture(temporal);
afterEach(async () => {
  await fx.admin.clearFaults();
  await fx.admin.setCallbackFaults([]);
});

let orders = 5000;

/** A payment the payer has not authorized yet, and its workflow started with awaitAuthorization. */
async function startUnpaid(
  options: { announced?: number; policy?: PaymentPolicy } = {},
): Promise<{ handle: WorkflowHandle<typeof swedbankPayPayment>; paymentId: string }> {
  const announced = options.announced ?? 100_000;
  const created = await fx.admin.createPayment({
    instrument: 'creditcard',
    amount: announced,
    vatAmount: announced / 5,
    currency: 'SEK',
    callbackUrl: fx.callbackUrl,
    awaitingAuthorization: true,
  });
  const paymentId = created.payment.id;
  const input: PaymentWorkflowInput = {
    paymentId,
    orderId: `order-${process.pid}-${++orders}`,
    currency: 'SEK',
    authorizedAmount: announced,
    awaitAuthorization: true,
    // Abandonment far off unless a test is about it.
    policy: { ...FAST_POLICY, abandonAfterMs: 10 * 60_000, ...options.policy },
  };
  const handle = await fx.env.client.workflow.start(
    swedbankPayPayment,
    paymentStartOptions(input, fx.worker.taskQueue),
  );
  return { handle, paymentId };
}

/** Counts POSTs that reach the transaction endpoints (captures, cancellations, reversals), changing nothing. */
const TRANSACTION_POSTS = {
  method: 'POST',
  path: '/(captures|cancellations|reversals)$',
  fault: { kind: 'latency', ms: 0 },
} as const;

async function transactionPosts(): Promise<number> {
  const rule = (await fx.admin.faults()).rules.find((r) => r.path === TRANSACTION_POSTS.path);
  assert.ok(rule, 'the counting rule is set');
  return rule.fired;
}

async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

async function searchState(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(PAYMENT_STATE);
}

function completed(result: OperationResult, amount: number): void {
  assert.equal(result.state, 'Completed', JSON.stringify(result));
  assert.equal(result.amount, amount);
}

function rejectedWith(result: OperationResult, failureType: string): void {
  assert.equal(result.state, 'Rejected', JSON.stringify(result));
  assert.equal(result.failureType, failureType);
  assert.ok(result.failureReason, 'a reason for people');
}

describe('awaiting the authorization', () => {
  it('holds a shipment until Swedbank Pay authorizes another amount than announced, then captures it exactly once', async () => {
    const { handle, paymentId } = await startUnpaid({ announced: 50_000, policy: { reversalWindowMs: 1_000 } });
    const waiting = await waitForState(
      handle,
      (s) => s.status === 'AwaitingAuthorization' && s.authorization!.checks > 0,
    );
    assert.equal(waiting.authorization?.phase, 'AwaitingAuthorization');
    assert.equal(waiting.authorization?.announcedAmount, 50_000);
    assert.equal(waiting.ledger.authorized, 0, 'nothing is authorized yet');
    assert.equal(await searchState(handle), 'AwaitingAuthorization');

    // More than announced: the validator does not judge amounts before the authorization.
    const shipment = handle.executeUpdate(captureUpdate, {
      args: [{ amount: 60_000, vatAmount: 12_000, reference: 'S1', finalFulfilment: true }],
    });
    const held = await waitForState(handle, (s) => s.queue.some((o) => o.reference === 'S1'));
    assert.deepEqual(
      held.queue.map((o) => [o.kind, o.reference, o.status]),
      [['capture', 'S1', 'held']],
    );
    // The same shipment event again (a redelivered signal) is the same operation.
    await handle.signal(captureSignal, { amount: 60_000, vatAmount: 12_000, reference: 'S1', finalFulfilment: true });
    const details = await currentDetails(handle);
    assert.match(details, /\*\*AwaitingAuthorization\*\*/);
    assert.match(details, /announced \| 500\.00 SEK/);
    assert.match(details, /held until authorized: capture \(S1\) 600\.00 SEK held/);
    assert.equal((await state(handle)).queue.length, 1);

    await fx.admin.authorizePayment(paymentId, { amount: 70_000 });
    completed(await shipment, 60_000);

    const summary = await handle.result();
    assert.equal(summary.status, 'Captured');
    assert.deepEqual([summary.authorized, summary.captured, summary.cancelled], [70_000, 60_000, 10_000]);
    const s = await state(handle);
    assert.equal(s.authorization?.phase, 'Authorized');
    assert.equal(s.authorization?.authorizedAmount, 70_000);
    assert.ok(s.authorization?.transactionId, "Swedbank Pay's authorization transaction");
    assert.match(s.attentionReasons.join(' '), /authorized 700\.00 SEK, not the announced 500\.00 SEK/);
    const psp = await fx.admin.payment(paymentId);
    assert.equal(psp.totals.authorized, 70_000);
    assert.deepEqual(
      psp.transactions.filter((t) => t.type !== 'Authorization').map((t) => [t.type, t.state, t.amount]),
      [
        ['Capture', 'Completed', 60_000],
        ['Cancellation', 'Completed', 10_000],
      ],
      'one capture, then the final fulfilment released the rest',
    );
    await saveHistory(handle, 'authorization-then-capture');
  });

  it("judges held requests against the authorized amount when it is known: one too big is rejected by the ledger's rule", async () => {
    const { handle, paymentId } = await startUnpaid({ announced: 100_000 });
    await handle.signal(captureSignal, { amount: 90_000, vatAmount: 0, reference: 'S1' });
    const small = handle.executeUpdate(captureUpdate, { args: [{ amount: 10_000, vatAmount: 0, reference: 'S2' }] });
    await waitForState(handle, (s) => s.queue.length === 2); // a return follows its shipment
    const ret = handle.executeUpdate(reverseUpdate, { args: [{ amount: 4_000, vatAmount: 0, reference: 'R1' }] });
    await waitForState(handle, (s) => s.queue.length === 3 && s.queue.every((o) => o.status === 'held'));

    await fx.admin.authorizePayment(paymentId, { amount: 50_000 });
    completed(await small, 10_000);
    completed(await ret, 4_000);
    const s = await waitForState(handle, (x) => x.queue.length === 0);
    const s1 = s.recent.find((o) => o.reference === 'S1');
    rejectedWith(s1!.result!, 'exceeds-remaining-capture');
    assert.ok(s.rejectedSignals.some((r) => r.reference === 'S1' && r.code === 'exceeds-remaining-capture'));
    assert.equal(s.ledger.captured, 10_000);
    assert.equal(s.ledger.reversed, 4_000);
    assert.equal(s.remainingToCapture, 40_000);
    const psp = await fx.admin.payment(paymentId);
    assert.deepEqual(
      psp.transactions.filter((t) => t.type === 'Capture').map((t) => t.amount),
      [10_000],
      'the rejected shipment never reached Swedbank Pay',
    );
    await handle.terminate('test done');
  });

  it('a callback wakes the workflow at once (polling far off)', async () => {
    const { handle, paymentId } = await startUnpaid({ policy: { pollInitialMs: 120_000, pollMaxMs: 120_000 } });
    await waitForState(handle, (s) => s.authorization!.checks === 1);
    const shipment = handle.executeUpdate(captureUpdate, { args: [{ amount: 30_000, vatAmount: 0, reference: 'S1' }] });
    await waitForState(handle, (s) => s.queue.length === 1);
    const authorizedAt = Date.now();
    await fx.admin.authorizePayment(paymentId);
    completed(await shipment, 30_000);
    const s = await state(handle);
    assert.ok(s.callbacksReceived >= 1);
    // The next poll is two minutes away: only the callback can have made the second read this soon.
    assert.ok(Date.now() - authorizedAt < 30_000, 'woken by the callback, not by the poll');
    assert.equal(s.authorization!.checks, 2, 'one read at start, one after the callback');
    assert.equal(s.ledger.authorized, 100_000);
    assert.equal(s.needsAttention, false, 'authorized as announced: nothing to look at');
    await handle.terminate('test done');
  });

  it('with the authorization callback dropped, the polling timer finds the authorization', async () => {
    await fx.admin.setCallbackFaults([{ kind: 'drop', probability: 1 }]);
    const { handle, paymentId } = await startUnpaid({ policy: { pollInitialMs: 300, pollMaxMs: 1_000 } });
    const shipment = handle.executeUpdate(captureUpdate, {
      args: [{ amount: 25_000, vatAmount: 5_000, reference: 'S1' }],
    });
    await waitForState(handle, (s) => s.queue.length === 1 && s.authorization!.checks >= 1); // seen unpaid first
    const change = await fx.admin.authorizePayment(paymentId);
    completed(await shipment, 25_000);

    const s = await state(handle);
    assert.equal(s.callbacksReceived, 0, 'no callback reached the workflow');
    assert.ok(s.authorization!.checks >= 2, 'found by a later poll');
    const log = (await fx.admin.callbacks()).filter((c) => c.body.transaction.id === change.transaction.id);
    assert.deepEqual(
      log.map((c) => c.event),
      ['dropped'],
      'the emulator dropped the authorization callback',
    );
    assert.equal((await fx.admin.payment(paymentId)).totals.captured, 25_000);
    await handle.terminate('test done');
  });

  it('a declined attempt is not the end: the payer tries again and the held shipment runs', async () => {
    const { handle, paymentId } = await startUnpaid({ announced: 40_000 });
    const shipment = handle.executeUpdate(captureUpdate, { args: [{ amount: 40_000, vatAmount: 0, reference: 'S1' }] });
    await waitForState(handle, (s) => s.queue.length === 1);
    await fx.admin.failAuthorization(paymentId, { failedReason: 'Insufficient funds', final: false });
    const after = await waitForState(handle, (s) => s.authorization?.failedAttempts === 1);
    assert.equal(after.status, 'AwaitingAuthorization');
    assert.match(await currentDetails(handle), /declined attempts: 1/);
    await fx.admin.authorizePayment(paymentId);
    completed(await shipment, 40_000);
    await handle.terminate('test done');
  });

  it('an abort is accepted only alone: behind a held request it is refused, as update and as signal', async () => {
    const { handle } = await startUnpaid();
    await handle.signal(captureSignal, { amount: 10_000, vatAmount: 0, reference: 'S1' });
    await waitForState(handle, (s) => s.queue.length === 1);
    await assert.rejects(
      handle.executeUpdate(abortUpdate, { args: [{ reference: 'A1' }] }),
      (err: unknown) =>
        err instanceof WorkflowUpdateFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === 'abort-not-allowed',
    );
    await handle.signal(abortSignal, { reference: 'A2' });
    const s = await waitForState(handle, (st) => st.rejectedSignals.some((r) => r.reference === 'A2'));
    assert.deepEqual(
      s.rejectedSignals.filter((r) => r.reference === 'A2').map((r) => r.code),
      ['abort-not-allowed'],
    );
    assert.deepEqual(
      s.queue.map((op) => [op.kind, op.reference]),
      [['capture', 'S1']],
      'the shipment is still held; no abort behind it',
    );
    await handle.terminate('test done');
  });

  it('once the payer has authorized, an abort is refused (cancel instead) and nothing is sent', async () => {
    const { handle, paymentId } = await startUnpaid();
    await fx.admin.authorizePayment(paymentId);
    await waitForState(handle, (s) => s.authorization!.phase === 'Authorized');
    await assert.rejects(
      handle.executeUpdate(abortUpdate, { args: [{ reference: 'A1' }] }),
      (err: unknown) =>
        err instanceof WorkflowUpdateFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === 'abort-not-allowed',
    );
    const s = await state(handle);
    assert.equal(s.needsAttention, false);
    assert.equal((await fx.admin.payment(paymentId)).state, 'Ready', 'no abort reached Swedbank Pay');
    await handle.terminate('test done');
  });
});

describe('never authorized', () => {
  it('a failed authorization rejects every held request with authorization-failed, sends nothing, and ends', async () => {
    await fx.admin.setFaults([TRANSACTION_POSTS]);
    const { handle, paymentId } = await startUnpaid({ announced: 80_000 });
    const shipment = handle.executeUpdate(captureUpdate, { args: [{ amount: 30_000, vatAmount: 0, reference: 'S1' }] });
    await waitForState(handle, (s) => s.queue.length === 1);
    await handle.signal(captureSignal, { amount: 20_000, vatAmount: 0, reference: 'S2', finalFulfilment: true });
    await handle.signal(cancelSignal, { reference: 'order-closed' });
    await waitForState(handle, (s) => s.queue.length === 3);

    await fx.admin.failAuthorization(paymentId, { failedReason: 'Card expired' });
    const result = await shipment;
    rejectedWith(result, 'authorization-failed');
    assert.match(result.failureReason ?? '', /Card expired/);

    const summary = await handle.result();
    assert.equal(summary.status, 'AuthorizationFailed');
    assert.deepEqual([summary.authorized, summary.captured, summary.cancelled], [0, 0, 0]);
    const s = await state(handle);
    assert.equal(s.authorization?.phase, 'AuthorizationFailed');
    assert.equal(s.authorization?.failureReason, 'Card expired');
    assert.deepEqual(
      s.recent.map((o) => [o.reference, o.result?.state, o.result?.failureType]),
      [
        ['S1', 'Rejected', 'authorization-failed'],
        ['S2', 'Rejected', 'authorization-failed'],
        ['order-closed', 'Rejected', 'authorization-failed'],
      ],
    );
    assert.deepEqual(
      s.rejectedSignals.map((r) => [r.reference, r.code]),
      [
        ['S2', 'authorization-failed'],
        ['order-closed', 'authorization-failed'],
      ],
    );
    assert.equal(await searchState(handle), 'AuthorizationFailed');
    assert.match(await currentDetails(handle), /\*\*AuthorizationFailed\*\*[\s\S]*ended: Card expired/);

    assert.equal(await transactionPosts(), 0, 'no request reached the transaction endpoints');
    const psp = await fx.admin.payment(paymentId);
    assert.equal(psp.state, 'Failed');
    assert.deepEqual(
      psp.transactions.map((t) => [t.type, t.state]),
      [['Authorization', 'Failed']],
    );
    await saveHistory(handle, 'authorization-failed');
  });

  it('abandoned: aborted with the documented PATCH after abandonAfterMs; held requests rejected with payment-abandoned', async () => {
    await fx.admin.setFaults([TRANSACTION_POSTS]);
    const { handle, paymentId } = await startUnpaid({ policy: { abandonAfterMs: 2_500 } });
    const shipment = handle.executeUpdate(captureUpdate, { args: [{ amount: 30_000, vatAmount: 0, reference: 'S1' }] });
    await handle.signal(captureSignal, { amount: 10_000, vatAmount: 0, reference: 'S2' });

    rejectedWith(await shipment, 'payment-abandoned');
    const summary = await handle.result();
    assert.equal(summary.status, 'Abandoned');
    const s = await state(handle);
    assert.equal(s.authorization?.phase, 'Abandoned');
    assert.deepEqual(
      s.rejectedSignals.map((r) => [r.reference, r.code]),
      [['S2', 'payment-abandoned']],
    );
    assert.equal(await searchState(handle), 'Abandoned');

    const psp = await fx.admin.payment(paymentId);
    assert.equal(psp.state, 'Aborted', 'Swedbank Pay took the abort (its body is checked strictly)');
    assert.equal(psp.totals.authorized, 0);
    assert.equal(await transactionPosts(), 0, 'no request reached the transaction endpoints');

    const events = (await handle.fetchHistory()).events ?? [];
    const startedAt = Number(events[0]?.eventTime?.seconds ?? 0) * 1000 + (events[0]?.eventTime?.nanos ?? 0) / 1e6;
    const abort = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'abortPayment');
    assert.ok(abort, 'the abort activity ran');
    const abortAt = Number(abort.eventTime?.seconds ?? 0) * 1000 + (abort.eventTime?.nanos ?? 0) / 1e6;
    assert.ok(abortAt - startedAt >= 2_500, `not aborted before abandonAfterMs (${abortAt - startedAt} ms)`);
    await saveHistory(handle, 'authorization-abandoned');
  });

  it('an abort the OMS asks for before the authorization aborts the unpaid payment at once', async () => {
    const { handle, paymentId } = await startUnpaid();
    const result = await handle.executeUpdate(abortUpdate, { args: [{ reference: 'order-cancelled' }] });
    assert.equal(result.state, 'Completed', JSON.stringify(result));
    assert.equal((await handle.result()).status, 'Aborted');
    assert.equal((await fx.admin.payment(paymentId)).state, 'Aborted');
    assert.equal((await state(handle)).authorization?.phase, 'Aborted');
  });
});

describe('the race between the abort and the authorization', () => {
  it('an authorization that lands while the abandonment abort is on its way wins: the payment carries on authorized', async () => {
    // The PATCH is held at the emulator; the payer authorizes meanwhile; then the PATCH is judged.
    await fx.admin.setFaults([{ operation: 'abort', fault: { kind: 'latency', ms: 1_500 }, times: 1 }]);
    const { handle, paymentId } = await startUnpaid({ announced: 100_000, policy: { abandonAfterMs: 1_500 } });
    const shipment = handle.executeUpdate(captureUpdate, { args: [{ amount: 40_000, vatAmount: 0, reference: 'S1' }] });
    await waitForState(handle, (s) => s.queue.length === 1);
    await handle.signal(captureSignal, { amount: 20_000, vatAmount: 0, reference: 'S2' });

    await eventually(async () => ((await fx.admin.faults()).rules[0]?.fired === 1 ? true : undefined), {
      attempts: 200,
      intervalMs: 25,
      what: 'the abort PATCH reached the emulator',
    });
    await fx.admin.authorizePayment(paymentId);

    completed(await shipment, 40_000);
    const s = await waitForState(handle, (x) => x.ledger.captured === 60_000 && x.queue.length === 0);
    assert.equal(s.status, 'PartiallyCaptured');
    assert.equal(s.authorization?.phase, 'Authorized');
    assert.equal(s.needsAttention, false, JSON.stringify(s.attentionReasons));
    assert.equal(await searchState(handle), 'PartiallyCaptured');
    const psp = await fx.admin.payment(paymentId);
    assert.equal(psp.state, 'Ready', 'not aborted');
    assert.deepEqual(
      psp.transactions.filter((t) => t.type === 'Capture').map((t) => t.amount),
      [40_000, 20_000],
      'both held shipments, once each',
    );
    const events = (await handle.fetchHistory()).events ?? [];
    assert.ok(
      events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'abortPayment'),
      'the abort was decided and sent',
    );
    await saveHistory(handle, 'authorization-race');
    await handle.terminate('test done');
  });

  it("the OMS's abort loses to an authorization that lands first: rejected, nothing lost, the payment goes on", async () => {
    await fx.admin.setFaults([{ operation: 'abort', fault: { kind: 'latency', ms: 1_500 }, times: 1 }]);
    const { handle, paymentId } = await startUnpaid({ announced: 30_000 });
    const abort = handle.executeUpdate(abortUpdate, { args: [{ reference: 'order-cancelled' }] });
    await eventually(async () => ((await fx.admin.faults()).rules[0]?.fired === 1 ? true : undefined), {
      attempts: 200,
      intervalMs: 25,
      what: 'the abort PATCH reached the emulator',
    });
    await fx.admin.authorizePayment(paymentId);

    const result = await abort;
    rejectedWith(result, 'abort-not-allowed');
    assert.match(result.failureReason ?? '', /authorized before the abort/);
    assert.equal((await fx.admin.payment(paymentId)).state, 'Ready', 'not aborted');
    const s = await state(handle);
    assert.deepEqual([s.status, s.authorization?.phase, s.ledger.authorized], ['Authorized', 'Authorized', 30_000]);
    // Releasing the money is a cancellation now.
    completed(await handle.executeUpdate(cancelUpdate, { args: [{ reference: 'order-cancelled' }] }), 30_000);
    assert.equal((await fx.admin.payment(paymentId)).totals.cancelled, 30_000);
    assert.equal((await handle.result()).status, 'Cancelled', 'nothing captured: the lifecycle closes');
  });
});
