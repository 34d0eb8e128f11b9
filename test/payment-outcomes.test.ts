// Outcomes that are not known at once, lost answers and long lives: callbacks, polling,
// commit-then-drop and continue-as-new, on a real dev server against the emulator over HTTP.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortUpdate, cancelUpdate, captureUpdate, deleteTokenUpdate, reverseUpdate } from '../src/contract/index.js';
import { eventually, temporal } from './harness.js';
import { saveHistory, startPayment, state, waitForState, usePaymentFixture } from './payment-fixture.js';

const fx = usePaymentFixture(temporal);
afterEach(async () => {
  await fx.admin.clearFaults();
  await fx.admin.setOutcomes([]);
  await fx.admin.setCallbackFaults([]);
});

describe('asynchronous outcomes', () => {
  it('an Initialized cancellation completes when the callback comes (polling far off)', async () => {
    const { handle, paymentId } = await startPayment(fx, {
      amount: 20_000,
      policy: { pollInitialMs: 120_000, pollMaxMs: 120_000 },
    });
    await fx.admin.setOutcomes([{ operation: 'cancellation', outcome: 'Completed', delayMs: 300 }]);
    const callbacksBefore = (await state(handle)).callbacksReceived;
    const result = await handle.executeUpdate(cancelUpdate, { args: [{ reference: 'order-closed' }] });
    assert.equal(result.state, 'Completed');
    assert.equal(result.amount, 20_000);
    const s = await state(handle);
    assert.ok(s.callbacksReceived > callbacksBefore, 'woken by a callback');
    assert.equal(s.ledger.cancelled, 20_000);
    assert.equal((await fx.admin.payment(paymentId)).totals.cancelled, 20_000);
    await saveHistory(handle, 'async-cancellation-callback');
  });

  it('with every callback dropped, polling finds the outcome', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 20_000, policy: { pollInitialMs: 300 } });
    await fx.admin.setCallbackFaults([{ kind: 'drop', probability: 1 }]);
    await fx.admin.setOutcomes([{ operation: 'cancellation', outcome: 'Completed', delayMs: 500 }]);
    const callbacksBefore = (await state(handle)).callbacksReceived; // the authorization's own callback
    const result = await handle.executeUpdate(cancelUpdate, { args: [{}] });
    assert.equal(result.state, 'Completed');
    const s = await state(handle);

    assert.equal(s.ledger.cancelled, 20_000);
    const log = (await fx.admin.callbacks()).filter((c) => c.body.payment.id === paymentId);
    assert.ok(
      log.some((c) => c.event === 'dropped'),
      'the emulator dropped the cancellation callbacks',
    );
    assert.equal(s.callbacksReceived, callbacksBefore, JSON.stringify(log, null, 1));
    await saveHistory(handle, 'async-cancellation-polling');
  });

  it('duplicated, reordered and late callbacks change nothing', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 30_000 });
    await fx.admin.setCallbackFaults([
      { kind: 'duplicate', probability: 1 },
      { kind: 'reorder', probability: 0.5 },
      { kind: 'delay', ms: 200, probability: 0.5 },
    ]);
    await fx.admin.setOutcomes([{ operation: 'capture', outcome: 'Completed', delayMs: 200 }]);
    const first = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 10_000, vatAmount: 0, reference: 'S1' }],
    });
    const second = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 5_000, vatAmount: 0, reference: 'S2' }],
    });
    assert.deepEqual([first.state, second.state], ['Completed', 'Completed']);
    // Let the stragglers arrive (each capture's callback twice), then check that nothing moved.
    await eventually(
      async () => {
        const log = (await fx.admin.callbacks()).filter((c) => c.body.payment.id === paymentId && c.delivered);
        return log.length >= 5 ? log : undefined; // the authorization's, and two for each capture
      },
      { what: 'duplicate callbacks delivered' },
    );
    // Duplicates inside the receiver's coalescing window fold into one signal: at least one per capture.
    const s = await waitForState(handle, (x) => x.callbacksReceived >= 3, { what: 'callbacks signalled' });
    assert.equal(s.ledger.captured, 15_000);
    assert.equal(s.ledger.entries.length, 2);
    assert.equal(s.needsAttention, false);
    const psp = await fx.admin.payment(paymentId);
    assert.equal(psp.totals.captured, 15_000);
    assert.equal(psp.transactions.filter((t) => t.type === 'Capture').length, 2);
  });
});

describe('exactly once', () => {
  it('a capture committed at Swedbank Pay whose answer is lost is found by payeeReference, not sent again', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 50_000 });
    await fx.admin.setFaults([{ operation: 'capture', fault: { kind: 'commit-then-drop' }, times: 1 }]);
    const result = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 25_000, vatAmount: 5_000, reference: 'S1' }],
    });
    assert.equal(result.state, 'Completed');
    const captures = (await fx.admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture');
    assert.equal(captures.length, 1, 'exactly one capture at Swedbank Pay');
    assert.equal(captures[0]?.payeeReference, result.payeeReference);
    assert.equal((await state(handle)).ledger.captured, 25_000);
    await saveHistory(handle, 'commit-then-drop');
  });

  it('transient 5xx and 429 answers are retried with the same payeeReference', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 50_000 });
    await fx.admin.setFaults([
      { operation: 'capture', fault: { kind: 'status', status: 502 }, times: 1 },
      { operation: 'reversal', fault: { kind: 'rate-limit', retryAfterSeconds: 1 }, times: 1 },
    ]);
    const capture = await handle.executeUpdate(captureUpdate, { args: [{ amount: 20_000, vatAmount: 0 }] });
    const reversal = await handle.executeUpdate(reverseUpdate, { args: [{ amount: 5_000, vatAmount: 0 }] });
    assert.deepEqual([capture.state, reversal.state], ['Completed', 'Completed']);
    const psp = await fx.admin.payment(paymentId);
    assert.deepEqual(
      psp.transactions.filter((t) => t.type !== 'Authorization').map((t) => [t.type, t.state]),
      [
        ['Capture', 'Completed'],
        ['Reversal', 'Completed'],
      ],
    );
  });
});

describe('exactly once: token deletion', () => {
  it('a deletion whose answer is lost is looked up before it is sent again: one PATCH', async () => {
    const { handle } = await startPayment(fx, { amount: 1_000, paymentToken: 'tok-lost-answer-01' });
    await fx.admin.setFaults([
      { operation: 'delete-token', fault: { kind: 'commit-then-drop' }, times: 1 },
      // Counts any later PATCH of the token (a 1 ms pause changes nothing else).
      { operation: 'delete-token', fault: { kind: 'latency', ms: 1 } },
    ]);
    const result = await handle.executeUpdate(deleteTokenUpdate, { args: [{ reference: 'forget-card' }] });
    assert.equal(result.state, 'Completed');
    const rules = (await fx.admin.faults()).rules;
    assert.deepEqual(
      rules.map((r) => r.fired),
      [1, 0],
      'the first PATCH committed, and none was sent again',
    );
    await handle.terminate('test done');
  });
});

describe('exactly once: abort', () => {
  it('an abort whose answer is lost is recognised from the payment state, not reported as failed', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 10_000 });
    await fx.admin.setFaults([{ operation: 'abort', fault: { kind: 'commit-then-drop' }, times: 1 }]);
    const result = await handle.executeUpdate(abortUpdate, { args: [{}] });
    assert.equal(result.state, 'Completed');
    assert.equal((await handle.result()).status, 'Aborted');
    assert.equal((await fx.admin.payment(paymentId)).state, 'Aborted');
  });
});

describe('long lives', () => {
  it('never continues as new in the workflow task that delivered an update (a racing signal would abort it)', async () => {
    // Callbacks dropped: only the updates below make workflow tasks, so the threshold is crossed in one.
    await fx.admin.setCallbackFaults([{ kind: 'drop', probability: 1 }]);
    const { handle } = await startPayment(fx, { amount: 50_000, policy: { continueAsNewAfterEvents: 40 } });
    const firstRun = (await handle.describe()).runId;
    const request = { amount: 1_000, vatAmount: 0, reference: 'S1' };
    assert.equal((await handle.executeUpdate(captureUpdate, { args: [request] })).operationId, 1);
    for (let redeliveries = 1; (await handle.describe()).runId === firstRun; redeliveries++) {
      assert.ok(redeliveries <= 20, 'the run continued as new within 20 redelivered shipments');
      assert.equal((await handle.executeUpdate(captureUpdate, { args: [request] })).operationId, 1);
      await sleep(200); // a pause between shipments, as in life, in which a timer can fire
    }
    const history = await fx.env.client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
    const events = history.events ?? [];
    const lastTask = events.map((e) => Boolean(e.workflowTaskCompletedEventAttributes)).lastIndexOf(true);
    const closingTask = events.slice(lastTask);
    assert.ok(closingTask.some((e) => e.workflowExecutionContinuedAsNewEventAttributes));
    assert.ok(
      !closingTask.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes),
      'the task that continued as new accepted no update',
    );
    assert.equal((await state(handle)).ledger.captured, 1_000);
    await handle.terminate('test done');
  });

  it('continues as new past a low history threshold with the ledger and the references intact', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 100_000, policy: { continueAsNewAfterEvents: 40 } });
    const firstRun = (await handle.describe()).runId;
    for (let i = 1; i <= 6; i++) {
      const r = await handle.executeUpdate(captureUpdate, {
        args: [{ amount: 1_000, vatAmount: 0, reference: `S${i}` }],
      });
      assert.equal(r.state, 'Completed');
    }
    const s = await waitForState(handle, (x) => x.ledger.captured === 6_000);
    assert.equal(s.ledger.entries.length, 6);
    const runs = new Set<string>();
    for await (const wf of fx.env.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` }))
      runs.add(wf.runId);
    assert.ok((await handle.describe()).runId !== firstRun || runs.size > 1, 'a new run was started');
    // A redelivered shipment from before the continue-as-new is still recognised.
    const again = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 1_000, vatAmount: 0, reference: 'S1' }],
    });
    assert.equal(again.operationId, 1);
    const after = await state(handle);
    assert.equal(after.ledger.captured, 6_000);
    assert.equal((await fx.admin.payment(paymentId)).totals.captured, 6_000);
    await handle.terminate('test done');
  });
});
