// The payment workflow on a real Temporal dev server, talking real HTTP to the emulator.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  abortUpdate,
  cancelUpdate,
  captureSignal,
  captureUpdate,
  deleteTokenUpdate,
  reverseUpdate,
  type OperationResult,
} from '../src/contract/index.js';
import { NEEDS_ATTENTION, PAYMENT_STATE, CAPTURED_AMOUNT, paymentIdOfWorkflowId } from '../src/contract/index.js';
import { InvalidPaymentInputError, paymentStartOptions } from '../src/client/start-options.js';
import { swedbankPayPayment } from '../src/workflows/payment.js';
import { temporal } from './harness.js';
import { FAST_POLICY, saveHistory, startPayment, state, waitForState, usePaymentFixture } from './payment-fixture.js';
import { cardToken } from './secrets.js';

const fx = usePaymentFixture(temporal);

/** The callback receiver folds a payment's callbacks into one signal per window (1 s by default). */
const COALESCE_WINDOW_MS = 1_000;

/**
 * History length once the workflow is idle: every callback the emulator sent for the payment answered
 * and its (coalesced) signal delivered, and no workflow task in flight; polled a bounded number of times.
 */
async function idleHistoryLength(handle: WorkflowHandle): Promise<number> {
  const paymentId = paymentIdOfWorkflowId(handle.workflowId);
  for (let i = 0; i < 50; i++) {
    const log = (await fx.admin.callbacks()).filter((c) => c.body.payment.id === paymentId);
    if (log.every((c) => c.event !== 'attempt' || c.delivered !== undefined)) {
      const last = Math.max(0, ...log.map((c) => Date.parse(c.at)));
      await new Promise((r) => setTimeout(r, Math.max(0, last + COALESCE_WINDOW_MS + 100 - Date.now())));
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let previous = -1;
  for (let i = 0; i < 50; i++) {
    const length = (await handle.fetchHistory()).events?.length ?? 0;
    if (length === previous) return length;
    previous = length;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('workflow history did not settle');
}

/** Asserts an update was rejected by its validator with the given type, and history did not grow. */
async function rejectedByValidator(handle: WorkflowHandle, send: () => Promise<unknown>, type: string): Promise<void> {
  const before = await idleHistoryLength(handle);
  await assert.rejects(send, (err: unknown) => {
    assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    assert.equal(err.cause.type, type, err.cause.message);
    return true;
  });
  // Nothing of the request enters history. The workflow task that carried it may be kept, empty (seen
  // when the authorization's callback reached the workflow before its first task).
  const added = ((await handle.fetchHistory()).events ?? []).slice(before);
  const bareTask = (e: (typeof added)[number]) =>
    e.workflowTaskScheduledEventAttributes ||
    e.workflowTaskStartedEventAttributes ||
    e.workflowTaskCompletedEventAttributes;
  assert.ok(
    added.every(bareTask),
    `a rejected update leaves nothing in history but a bare workflow task; new: ${added.map((e) => e.eventType).join(',')}`,
  );
}

function completed(result: OperationResult, amount?: number): void {
  assert.equal(result.state, 'Completed', JSON.stringify(result));
  if (amount !== undefined) assert.equal(result.amount, amount);
  if (result.kind !== 'abort' && result.kind !== 'delete-token') {
    assert.match(result.payeeReference ?? '', /^[A-Za-z0-9]{1,30}$/);
    assert.ok(result.number, 'Swedbank Pay transaction number');
  }
}

describe('payment lifecycle', () => {
  it('captures 400.00 and 350.00, final fulfilment cancels exactly 250.00, reverses 400.00, deletes the token; both ledgers agree', async () => {
    const { handle, paymentId } = await startPayment(fx, {
      amount: 100_000,
      paymentToken: 'tok-0001-lifecycle',
      policy: { reversalWindowMs: 3_000 },
    });
    completed(
      await handle.executeUpdate(captureUpdate, { args: [{ amount: 40_000, vatAmount: 8_000, reference: 'S1' }] }),
      40_000,
    );
    completed(
      await handle.executeUpdate(captureUpdate, {
        args: [{ amount: 35_000, vatAmount: 7_000, reference: 'S2', finalFulfilment: true }],
      }),
      35_000,
    );
    const afterFinal = await waitForState(handle, (s) => s.ledger.cancelled > 0, { what: 'final-fulfilment cancel' });
    assert.equal(afterFinal.ledger.cancelled, 25_000, 'cancels exactly the rest');
    completed(
      await handle.executeUpdate(reverseUpdate, { args: [{ amount: 40_000, vatAmount: 8_000, reference: 'R1' }] }),
      40_000,
    );
    completed(await handle.executeUpdate(deleteTokenUpdate, { args: [{ comment: 'customer asked' }] }));

    const summary = await handle.result(); // the reversal window is 3 s here
    assert.deepEqual(
      {
        captured: summary.captured,
        cancelled: summary.cancelled,
        reversed: summary.reversed,
        tokenDeleted: summary.tokenDeleted,
      },
      { captured: 75_000, cancelled: 25_000, reversed: 40_000, tokenDeleted: true },
    );
    assert.equal(summary.status, 'PartiallyReversed');

    const psp = await fx.admin.payment(paymentId);
    assert.deepEqual(
      { captured: psp.totals.captured, cancelled: psp.totals.cancelled, reversed: psp.totals.reversed },
      { captured: 75_000, cancelled: 25_000, reversed: 40_000 },
      'the emulator ledger agrees to the minor unit',
    );
    const final = await state(handle);
    const pspByRef = new Map(psp.transactions.map((t) => [t.payeeReference, t]));
    for (const entry of final.ledger.entries) {
      const t = pspByRef.get(entry.payeeReference);
      assert.ok(t, `${entry.payeeReference} exists at Swedbank Pay`);
      assert.equal(t.amount, entry.amount);
      assert.equal(t.state, entry.state);
    }
    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(CAPTURED_AMOUNT), 75_000);
    assert.equal(description.typedSearchAttributes.get(PAYMENT_STATE), 'PartiallyReversed');
    await saveHistory(handle, 'full-lifecycle');
  });

  it('rejects bad requests in the validator: nothing enters history and the payment stays healthy', async () => {
    const { handle } = await startPayment(fx, { amount: 10_000 });
    await rejectedByValidator(
      handle,
      () => handle.executeUpdate(reverseUpdate, { args: [{ amount: 1, vatAmount: 0 }] }),
      'exceeds-remaining-reversal',
    );
    await rejectedByValidator(
      handle,
      () => handle.executeUpdate(captureUpdate, { args: [{ amount: 10_001, vatAmount: 0 }] }),
      'exceeds-remaining-capture',
    );
    await rejectedByValidator(
      handle,
      () => handle.executeUpdate(captureUpdate, { args: [{ amount: -100, vatAmount: 0 }] }),
      'invalid-amount',
    );
    await rejectedByValidator(
      handle,
      () => handle.executeUpdate(captureUpdate, { args: [{ amount: 99.5, vatAmount: 0 }] }),
      'invalid-amount',
    );
    await rejectedByValidator(
      handle,
      () => handle.executeUpdate(captureUpdate, { args: [{ amount: 100, vatAmount: 0, description: 'x'.repeat(41) }] }),
      'invalid-request',
    );
    completed(await handle.executeUpdate(captureUpdate, { args: [{ amount: 6_000, vatAmount: 0 }] }), 6_000);
    await rejectedByValidator(handle, () => handle.executeUpdate(abortUpdate, { args: [{}] }), 'abort-not-allowed');
    await rejectedByValidator(
      handle,
      () => handle.executeUpdate(reverseUpdate, { args: [{ amount: 6_001, vatAmount: 0 }] }),
      'exceeds-remaining-reversal',
    );
    completed(await handle.executeUpdate(cancelUpdate, { args: [{}] }), 4_000);
    await rejectedByValidator(handle, () => handle.executeUpdate(cancelUpdate, { args: [{}] }), 'nothing-to-cancel');
    await rejectedByValidator(
      handle,
      () => handle.executeUpdate(deleteTokenUpdate, { args: [{}] }),
      'no-payment-token',
    );
    const s = await state(handle);
    assert.equal(s.needsAttention, false);
    assert.equal(s.ledger.captured, 6_000);
    assert.equal(s.ledger.cancelled, 4_000);
    await handle.terminate('test done');
  });

  it('performs the same shipment signalled twice once', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 50_000 });
    await handle.signal(captureSignal, { reference: 'shipment-77', amount: 20_000, vatAmount: 4_000 });
    await handle.signal(captureSignal, { reference: 'shipment-77', amount: 20_000, vatAmount: 4_000 });
    await waitForState(handle, (s) => s.ledger.captured === 20_000 && s.queue.length === 0, { what: 'capture' });
    await handle.signal(captureSignal, { reference: 'shipment-77', amount: 20_000, vatAmount: 4_000 });
    const s = await waitForState(handle, (x) => x.queue.length === 0);
    assert.equal(s.ledger.entries.length, 1);
    const psp = await fx.admin.payment(paymentId);
    assert.equal(psp.transactions.filter((t) => t.type === 'Capture').length, 1, 'one capture at Swedbank Pay');
    await saveHistory(handle, 'duplicate-shipment-signal');
    await handle.terminate('test done');
  });

  it('keeps references per kind, and refuses a reference reused with other amounts', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 50_000 });
    completed(
      await handle.executeUpdate(captureUpdate, { args: [{ amount: 20_000, vatAmount: 0, reference: 'X-1' }] }),
    );
    // A return may carry the same id as its shipment: it is another operation.
    const reversal = await handle.executeUpdate(reverseUpdate, {
      args: [{ amount: 5_000, vatAmount: 0, reference: 'X-1' }],
    });
    assert.equal(reversal.kind, 'reversal');
    completed(reversal, 5_000);
    await rejectedByValidator(
      handle,
      () => handle.executeUpdate(captureUpdate, { args: [{ amount: 7_000, vatAmount: 0, reference: 'X-1' }] }),
      'reference-reused',
    );
    const again = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 20_000, vatAmount: 0, reference: 'X-1' }],
    });
    assert.equal(again.operationId, 1, 'the same shipment again gets the first result');
    const psp = await fx.admin.payment(paymentId);
    assert.deepEqual(
      psp.transactions.filter((t) => t.type !== 'Authorization').map((t) => t.type),
      ['Capture', 'Reversal'],
    );
    await handle.terminate('test done');
  });

  it('refuses an invalid input before starting anything', () => {
    assert.throws(
      () =>
        paymentStartOptions({
          paymentId: '/psp/creditcard/payments/x',
          orderId: '',
          currency: 'SEK',
          authorizedAmount: 10.5,
        }),
      (err: unknown) => err instanceof InvalidPaymentInputError && err.problems.length === 2,
    );
  });

  it('tries to delete the token on close once; a refusal is flagged and the lifecycle still ends', async () => {
    // The workflow is told of a token Swedbank Pay does not know: the deletion is refused (404).
    const created = await fx.admin.createPayment({
      instrument: 'creditcard',
      amount: 1_000,
      vatAmount: 0,
      currency: 'SEK',
    });
    const input = {
      paymentId: created.payment.id,
      orderId: 'order-unknown-token',
      currency: 'SEK',
      authorizedAmount: 1_000,
      paymentToken: { token: cardToken('tok-unknown-0001'), type: 'PaymentToken' as const },
      policy: { ...FAST_POLICY, deleteTokenOnClose: true, reversalWindowMs: 500 },
    };
    const handle = await fx.env.client.workflow.start(
      swedbankPayPayment,
      paymentStartOptions(input, fx.worker.taskQueue),
    );
    completed(await handle.executeUpdate(captureUpdate, { args: [{ amount: 1_000, vatAmount: 0 }] }));
    const summary = await handle.result();
    assert.deepEqual([summary.tokenDeleted, summary.needsAttention], [false, true]);
    const deletions = (await handle.fetchHistory()).events?.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deletePaymentToken',
    );
    assert.equal(deletions?.length, 1, 'one deletion attempt, not a loop');
  });

  it('records an invalid signal as rejected and keeps working', async () => {
    const { handle } = await startPayment(fx, { amount: 50_000 });
    await handle.signal(captureSignal, { reference: 'bad-1', amount: 12.5, vatAmount: 0 });
    await handle.signal(captureSignal, { amount: 100, vatAmount: 0 } as never); // no reference
    await handle.signal(captureSignal, { reference: 'too-much', amount: 60_000, vatAmount: 0 });
    const s = await waitForState(handle, (x) => x.rejectedSignals.length === 3 && x.queue.length === 0, {
      what: 'three rejected signals',
    });
    assert.deepEqual(
      s.rejectedSignals.map((r) => r.code),
      ['invalid-amount', 'invalid-request', 'exceeds-remaining-capture'],
    );
    assert.equal(s.needsAttention, true);
    completed(await handle.executeUpdate(captureUpdate, { args: [{ amount: 50_000, vatAmount: 0 }] }), 50_000);
    await handle.terminate('test done');
  });

  it('flags a capture Swedbank Pay fails as needing attention, and the next capture succeeds', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 30_000 });
    await fx.admin.setOutcomes([
      { operation: 'capture', outcome: 'Failed', failedReason: 'Declined by acquirer', times: 1 },
    ]);
    const failed = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 10_000, vatAmount: 0, reference: 'S1' }],
    });
    assert.equal(failed.state, 'Failed');
    assert.match(failed.failureReason ?? '', /acquirer|Declined/i);
    let s = await state(handle);
    assert.equal(s.needsAttention, true);
    assert.equal(s.remainingToCapture, 30_000, 'a failed capture takes nothing');
    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(NEEDS_ATTENTION), true);
    completed(
      await handle.executeUpdate(captureUpdate, { args: [{ amount: 10_000, vatAmount: 0, reference: 'S2' }] }),
      10_000,
    );
    s = await state(handle);
    assert.equal(s.ledger.captured, 10_000);
    const psp = await fx.admin.payment(paymentId);
    assert.deepEqual(
      psp.transactions.filter((t) => t.type === 'Capture').map((t) => t.state),
      ['Failed', 'Completed'],
    );
    await saveHistory(handle, 'failed-capture');
    await handle.terminate('test done');
  });

  it('reads the authorized amount with GET when the starter does not give it, and aborts', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 12_345, readAmountAtStart: true });
    const s = await waitForState(handle, (x) => x.ledger.authorized === 12_345, { what: 'ledger from GET' });
    assert.equal(s.ledger.currency, 'SEK');
    completed(await handle.executeUpdate(abortUpdate, { args: [{ reference: 'customer-cancelled' }] }));
    const summary = await handle.result();
    assert.equal(summary.status, 'Aborted');
    assert.equal((await fx.admin.payment(paymentId)).state, 'Aborted');
  });
});
