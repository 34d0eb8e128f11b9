// Paths of the payment workflow worth protecting across releases, beyond those the lifecycle, outcome,
// expiry and authorization tests already save: each is a real run on the dev server against the
// emulator, asserts its outcome, and (under `npm run histories:save`) leaves its history in the
// archive that test/replay.test.ts replays on every run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { paymentStartOptions } from '../src/client/start-options.js';
import type { PaymentWorkflowInput } from '../src/contract/index.js';
import {
  abortUpdate,
  callbackSignal,
  cancelSignal,
  cancelUpdate,
  captureSignal,
  captureUpdate,
  deleteTokenSignal,
  reverseSignal,
  reverseUpdate,
} from '../src/contract/index.js';
import { swedbankPayPayment } from '../src/workflows/payment.js';
import { eventually, startWorker, temporal, uniqueTaskQueue } from './harness.js';
import { FAST_POLICY, saveHistory, startPayment, state, usePaymentFixture, waitForState } from './payment-fixture.js';
import { TEST_TOKEN } from './secrets.js';

const fx = usePaymentFixture(temporal);

/** Saves every run of a workflow chain (continue-as-new), oldest first, as `<name>-run-<n>`. */
async function saveRuns(handle: WorkflowHandle, name: string): Promise<number> {
  const runs: { runId: string; start: number }[] = [];
  for await (const wf of fx.env.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` })) {
    runs.push({ runId: wf.runId, start: wf.startTime.getTime() });
  }
  runs.sort((a, b) => a.start - b.start);
  for (const [i, run] of runs.entries()) {
    await saveHistory(fx.env.client.workflow.getHandle(handle.workflowId, run.runId), `${name}-run-${i + 1}`);
  }
  return runs.length;
}

describe('archived paths', () => {
  it('continue-as-new carries the ledger and references into the next run', async () => {
    const { handle } = await startPayment(fx, { amount: 100_000, policy: { continueAsNewAfterEvents: 40 } });
    for (let i = 1; i <= 5; i++) {
      const r = await handle.executeUpdate(captureUpdate, {
        args: [{ amount: 1_000, vatAmount: 0, reference: `S${i}` }],
      });
      assert.equal(r.state, 'Completed');
    }
    const again = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 1_000, vatAmount: 0, reference: 'S1' }],
    });
    assert.equal(again.operationId, 1, 'a shipment from an earlier run is recognised');
    assert.equal((await state(handle)).ledger.captured, 5_000);
    await handle.terminate('archived');
    assert.ok((await saveRuns(handle, 'continue-as-new')) >= 1);
  });

  it('continue-as-new mid-operation: a capture pending through a run change is recorded once', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 10_000, policy: { continueAsNewAfterEvents: 40 } });
    await fx.admin.setOutcomes([{ operation: 'capture', outcome: 'Completed', delayMs: null, times: 1 }]);
    await handle.signal(captureSignal, { reference: 'ship-1', amount: 4_000, vatAmount: 0 });
    await waitForState(handle, (s) => s.ledger.entries[0]?.state === 'Pending', { what: 'capture pending' });
    // The ledger shows Pending once the request is decided, which may be before it reaches Swedbank Pay.
    const captureId = await eventually(
      async () => (await fx.admin.payment(paymentId)).transactions.find((t) => t.type === 'Capture')?.id,
      { what: 'capture at the emulator' },
    );
    const firstRun = (await handle.describe()).runId;
    const body = { payment: { id: paymentId, number: 1 }, transaction: { id: captureId, number: 2 } };
    for (let i = 0; i < 60; i++) await handle.signal(callbackSignal, body);
    await waitForState(handle, (s) => s.callbacksReceived >= 60, { what: 'callbacks counted' });
    assert.notEqual((await handle.describe()).runId, firstRun, 'a new run took over mid-operation');
    await fx.admin.completeTransaction(captureId, 'Completed');
    const s = await waitForState(handle, (x) => x.ledger.captured === 4_000 && x.queue.length === 0, {
      what: 'capture recorded in the new run',
    });
    assert.equal(s.ledger.entries.length, 1);
    assert.equal((await fx.admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture').length, 1);
    await handle.terminate('archived');
    assert.ok((await saveRuns(handle, 'continue-as-new-mid-operation')) >= 2);
  });

  it('invoice: a capture with item lines, then the rest cancelled by an event', async () => {
    const { handle, paymentId } = await startPayment(fx, { instrument: 'invoice', amount: 50_000 });
    const capture = await handle.executeUpdate(captureUpdate, {
      args: [
        {
          amount: 30_000,
          vatAmount: 6_000,
          reference: 'INV-1',
          itemDescriptions: [{ amount: 30_000, description: 'Winter jacket' }],
          vatSummary: [{ amount: 30_000, vatPercent: 2500, vatAmount: 6_000 }],
        },
      ],
    });
    assert.equal(capture.state, 'Completed');
    await handle.signal(cancelSignal, { reference: 'order-closed' });
    await waitForState(handle, (s) => s.ledger.cancelled === 20_000 && s.queue.length === 0, { what: 'cancel' });
    assert.equal((await fx.admin.payment(paymentId)).totals.cancelled, 20_000);
    await handle.terminate('archived');
    await saveHistory(handle, 'invoice-capture-cancel');
  });

  it('every operation as a fire-and-forget event: capture, reversal, cancellation, token deletion', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 40_000, paymentToken: 'tok-archive-0001' });
    await handle.signal(captureSignal, { reference: 'ship-1', amount: 25_000, vatAmount: 5_000 });
    await handle.signal(reverseSignal, { reference: 'return-1', amount: 5_000, vatAmount: 1_000 });
    await handle.signal(cancelSignal, { reference: 'closed-1' });
    await handle.signal(deleteTokenSignal, { reference: 'forget-card', comment: 'customer asked' });
    const s = await waitForState(handle, (x) => x.queue.length === 0 && x.recent.length === 4, {
      what: 'four events done',
    });
    assert.deepEqual(
      s.recent.map((o) => [o.kind, o.result?.state]),
      [
        ['capture', 'Completed'],
        ['reversal', 'Completed'],
        ['cancellation', 'Completed'],
        ['delete-token', 'Completed'],
      ],
    );
    const { totals } = await fx.admin.payment(paymentId);
    assert.deepEqual(
      [totals.captured, totals.reversed, totals.cancelled],
      [25_000, 5_000, 15_000],
      'the emulator agrees',
    );
    await handle.terminate('archived');
    await saveHistory(handle, 'signal-operations');
  });

  it('invalid and impossible events are recorded as rejected, then a valid one runs', async () => {
    const { handle } = await startPayment(fx, { amount: 20_000 });
    await handle.signal(captureSignal, { reference: 'bad-amount', amount: 12.5, vatAmount: 0 });
    await handle.signal(captureSignal, { reference: 'too-much', amount: 30_000, vatAmount: 0 });
    await handle.signal(reverseSignal, { reference: 'nothing-captured', amount: 1_000, vatAmount: 0 });
    await handle.signal(captureSignal, { reference: 'ok', amount: 20_000, vatAmount: 0 });
    const s = await waitForState(handle, (x) => x.queue.length === 0 && x.ledger.captured === 20_000, {
      what: 'valid capture after rejections',
    });
    assert.deepEqual(
      s.rejectedSignals.map((r) => r.code),
      ['invalid-amount', 'exceeds-remaining-capture', 'exceeds-remaining-reversal'],
    );
    await handle.terminate('archived');
    await saveHistory(handle, 'rejected-signals');
  });

  it('the authorized amount read with GET at start, then an abort', async () => {
    const { handle } = await startPayment(fx, { amount: 12_345, readAmountAtStart: true });
    await waitForState(handle, (x) => x.ledger.authorized === 12_345, { what: 'ledger from GET' });
    const result = await handle.executeUpdate(abortUpdate, { args: [{ reference: 'customer-cancelled' }] });
    assert.equal(result.state, 'Completed');
    assert.equal((await handle.result()).status, 'Aborted');
    await saveHistory(handle, 'read-amount-then-abort');
  });

  it('the token is deleted when the lifecycle closes', async () => {
    const { handle, paymentId } = await startPayment(fx, {
      amount: 10_000,
      paymentToken: 'tok-archive-close',
      policy: { deleteTokenOnClose: true, reversalWindowMs: 500 },
    });
    const capture = await handle.executeUpdate(captureUpdate, { args: [{ amount: 10_000, vatAmount: 0 }] });
    assert.equal(capture.state, 'Completed');
    const summary = await handle.result();
    assert.deepEqual([summary.captured, summary.tokenDeleted], [10_000, true]);
    assert.equal((await fx.admin.payment(paymentId)).totals.captured, 10_000);
    await saveHistory(handle, 'token-deleted-on-close');
  });

  it('callbacks that arrive while nothing is pending only wake the workflow', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 10_000, policy: { reversalWindowMs: 60_000 } });
    const capture = await handle.executeUpdate(captureUpdate, { args: [{ amount: 6_000, vatAmount: 0 }] });
    const body = { payment: { id: paymentId, number: 1 }, transaction: { id: capture.transactionId, number: 2 } };
    const before = (await state(handle)).callbacksReceived;
    for (let i = 0; i < 3; i++) await handle.signal(callbackSignal, body);
    // At least: the emulator's own callback for the capture may still land after `before` was read.
    await waitForState(handle, (s) => s.callbacksReceived >= before + 3, { what: 'callbacks counted' });
    const reversal = await handle.executeUpdate(reverseUpdate, { args: [{ amount: 1_000, vatAmount: 0 }] });
    assert.equal(reversal.state, 'Completed');
    const cancel = await handle.executeUpdate(cancelUpdate, { args: [{}] });
    assert.equal(cancel.amount, 4_000);
    await handle.terminate('archived');
    await saveHistory(handle, 'idle-callbacks');
  });

  it('messages sent before any worker polls: a shipment event with the start, then an order-closed update', async () => {
    const created = await fx.admin.createPayment({
      instrument: 'creditcard',
      amount: 10_000,
      vatAmount: 0,
      currency: 'SEK',
      callbackUrl: fx.callbackUrl,
    });
    const taskQueue = uniqueTaskQueue('archive-late-worker');
    const input: PaymentWorkflowInput = {
      paymentId: created.payment.id,
      orderId: 'order-late-worker',
      currency: 'SEK',
      authorizedAmount: 10_000,
      policy: FAST_POLICY,
    };
    const handle = await fx.env.client.workflow.signalWithStart(swedbankPayPayment, {
      ...paymentStartOptions(input, taskQueue),
      signal: captureSignal,
      signalArgs: [{ reference: 'ship-1', amount: 4_000, vatAmount: 0 }],
    });
    // Sent while no worker polls the task queue: it waits at the server with the signal.
    const cancel = handle.executeUpdate(cancelUpdate, { args: [{ reference: 'closed' }] });
    cancel.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    const worker = await startWorker(fx.env, {
      taskQueue,
      swedbankPay: { baseUrl: fx.emulator.baseUrl, token: TEST_TOKEN, timeoutMs: 5_000 },
    });
    try {
      const result = await cancel;
      const s = await waitForState(handle, (x) => x.queue.length === 0 && x.recent.length === 2, {
        what: 'both messages handled',
      });
      // History order: the shipment came with the start, the order was closed after it.
      assert.deepEqual(
        s.recent.map((o) => [o.kind, o.result?.state, o.result?.amount]),
        [
          ['capture', 'Completed', 4_000],
          ['cancellation', 'Completed', 6_000],
        ],
      );
      assert.equal(result.amount, 6_000);
      await handle.terminate('archived');
      await saveHistory(handle, 'messages-before-first-task');
    } finally {
      await worker.stop();
    }
  });
});
