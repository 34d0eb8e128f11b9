// The OMS client API on a real Temporal dev server, with workers talking HTTP to the emulator.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { listQuery } from '../src/client/listing.js';
import { PaymentsClient } from '../src/client/payments-client.js';
import { PaymentClosedError, PaymentNotFoundError, PaymentRequestRejectedError } from '../src/client/errors.js';
import { InvalidPaymentInputError } from '../src/client/start-options.js';
import { ConfigurationError } from '../src/config/errors.js';
import type { PaymentWorkflowInput } from '../src/contract/index.js';
import { eventually, temporal } from './harness.js';
import { FAST_POLICY, usePaymentFixture, waitForState } from './payment-fixture.js';

const fx = usePaymentFixture(temporal);

function payments(): PaymentsClient {
  return new PaymentsClient({ client: fx.env.client, taskQueue: fx.worker.taskQueue });
}

/** An authorized payment in the emulator, not yet known to Temporal, and the input the OMS would send. */
async function untrackedPayment(amount = 100_000, policy = {}): Promise<PaymentWorkflowInput> {
  const created = await fx.admin.createPayment({
    instrument: 'creditcard',
    amount,
    vatAmount: amount / 5,
    currency: 'SEK',
    callbackUrl: fx.callbackUrl,
  });
  return {
    paymentId: created.payment.id,
    orderId: `oms-${randomUUID()}`,
    currency: 'SEK',
    authorizedAmount: amount,
    policy: { ...FAST_POLICY, ...policy },
  };
}

async function capturesInEmulator(paymentId: string): Promise<number[]> {
  const entry = await fx.admin.payment(paymentId);
  return entry.transactions.filter((t) => t.type === 'Capture' && t.state === 'Completed').map((t) => t.amount);
}

describe('OMS client API', () => {
  it('track is idempotent: the second call starts nothing', async () => {
    const input = await untrackedPayment();
    const first = await payments().track(input);
    const second = await payments().track(input);
    assert.deepEqual([first.started, second.started], [true, false]);
    assert.equal(first.workflowId, second.workflowId);
    assert.equal((await payments().state(input.paymentId)).orderId, input.orderId);
  });

  it('a fulfilment event starts the workflow when it is not running, and its redelivery is harmless', async () => {
    const input = await untrackedPayment();
    const shipment = { amount: 30_000, vatAmount: 6_000, reference: 'shipment-1' };
    await payments().captureRequested(input, shipment);
    await payments().captureRequested(input, shipment); // redelivered by the OMS's queue
    await payments().captureRequested(input.paymentId, shipment); // and once more, by id
    const handle = payments().handle(input.paymentId);
    await waitForState(handle, (s) => s.ledger.captured === 30_000 && s.queue.length === 0, { what: 'capture done' });
    assert.deepEqual(await capturesInEmulator(input.paymentId), [30_000]);
  });

  it('synchronous capture with the input starts the workflow (update-with-start) and returns the result', async () => {
    const input = await untrackedPayment();
    const first = await payments().capture(input, { amount: 25_000, vatAmount: 5_000, reference: 'S1' });
    assert.equal(first.state, 'Completed', JSON.stringify(first));
    assert.equal(first.amount, 25_000);
    // The workflow runs now: the same call joins it instead of starting another.
    const second = await payments().capture(input, { amount: 10_000, vatAmount: 2_000, reference: 'S2' });
    assert.equal(second.state, 'Completed');
    const repeated = await payments().capture(input.paymentId, { amount: 10_000, vatAmount: 2_000, reference: 'S2' });
    assert.equal(repeated.operationId, second.operationId, 'a repeated reference returns the first result');
    assert.deepEqual(await capturesInEmulator(input.paymentId), [25_000, 10_000]);
    const cancelled = await payments().cancel(input.paymentId, { reference: 'close' });
    assert.equal(cancelled.state, 'Completed');
    assert.equal(cancelled.amount, 65_000);
    const reversed = await payments().reverse(input.paymentId, { amount: 5_000, vatAmount: 1_000, reference: 'R1' });
    assert.equal(reversed.state, 'Completed');
    const state = await payments().state(input.paymentId);
    assert.deepEqual(
      [state.ledger.captured, state.ledger.cancelled, state.ledger.reversed, state.status],
      [35_000, 65_000, 5_000, 'PartiallyReversed'],
    );
  });

  it('invalid requests are typed errors, and nothing reaches Swedbank Pay', async () => {
    const input = await untrackedPayment(50_000);
    await payments().track(input);
    await assert.rejects(
      payments().capture(input.paymentId, { amount: 60_000, vatAmount: 0 }),
      (err: unknown) =>
        err instanceof PaymentRequestRejectedError &&
        err.code === 'exceeds-remaining-capture' &&
        err.paymentId === input.paymentId,
    );
    await assert.rejects(
      payments().capture(input.paymentId, { amount: 10.5, vatAmount: 0 }),
      (err: unknown) => err instanceof PaymentRequestRejectedError && err.code === 'invalid-amount',
    );
    await assert.rejects(
      payments().reverse(input.paymentId, { amount: 1_000, vatAmount: 0, description: 'x'.repeat(41) }),
      (err: unknown) => err instanceof PaymentRequestRejectedError,
    );
    await assert.rejects(
      payments().track({ ...input, authorizedAmount: -1 }),
      (err: unknown) => err instanceof InvalidPaymentInputError,
    );
    assert.deepEqual(await capturesInEmulator(input.paymentId), []);
    const state = await payments().state(input.paymentId);
    assert.equal(state.needsAttention, false, 'a refused update leaves the payment healthy');
  });

  it('an unknown payment is PaymentNotFoundError for updates, signals and the state', async () => {
    const unknown = `/psp/creditcard/payments/${randomUUID()}`;
    await assert.rejects(payments().capture(unknown, { amount: 100, vatAmount: 0 }), PaymentNotFoundError);
    await assert.rejects(
      payments().captureRequested(unknown, { amount: 100, vatAmount: 0, reference: 'x' }),
      PaymentNotFoundError,
    );
    await assert.rejects(payments().state(unknown), PaymentNotFoundError);
  });

  it('a closed payment is PaymentClosedError, also for an event carrying its input', async () => {
    const input = await untrackedPayment(20_000, { reversalWindowMs: 200 });
    const aborted = await payments().abort(input, { reference: 'shopper-left' });
    assert.equal(aborted.state, 'Completed', JSON.stringify(aborted));
    const handle = payments().handle(input.paymentId);
    const summary = await handle.result();
    assert.equal(summary.status, 'Aborted');
    await assert.rejects(payments().cancel(input.paymentId), PaymentClosedError);
    await assert.rejects(payments().cancelRequested(input, { reference: 'late' }), PaymentClosedError);
    await assert.rejects(payments().capture(input, { amount: 100, vatAmount: 0 }), PaymentClosedError);
    assert.equal((await payments().state(input.paymentId)).status, 'Aborted', 'a closed payment still answers');
  });

  it('lists payments by order id, state and needs-attention through visibility', async () => {
    const input = await untrackedPayment();
    await payments().capture(input, { amount: 40_000, vatAmount: 8_000, reference: 'S1' });
    const found = await eventually(
      async () => {
        const list = await payments().list({ orderId: input.orderId });
        return list.length === 1 && list[0]!.state === 'PartiallyCaptured' ? list : undefined;
      },
      { attempts: 100, intervalMs: 100, what: 'visibility to show the capture' },
    );
    assert.deepEqual(
      {
        paymentId: found[0]!.paymentId,
        capturedAmount: found[0]!.capturedAmount,
        remainingAmount: found[0]!.remainingAmount,
        instrument: found[0]!.instrument,
        needsAttention: found[0]!.needsAttention,
        executionStatus: found[0]!.executionStatus,
      },
      {
        paymentId: input.paymentId,
        capturedAmount: 40_000,
        remainingAmount: 60_000,
        instrument: 'card',
        needsAttention: false,
        executionStatus: 'RUNNING',
      },
    );
    const byState = await payments().list({ state: 'PartiallyCaptured', orderId: input.orderId });
    assert.equal(byState.length, 1);
    assert.deepEqual(await payments().list({ state: 'Captured', orderId: input.orderId }), []);
    assert.deepEqual(await payments().list({ needsAttention: true, orderId: input.orderId }), []);
  });

  it('quotes filter values, so an order id cannot widen the query', () => {
    assert.equal(
      listQuery({ orderId: "1' OR WorkflowType != '" }),
      "WorkflowType = 'swedbankPayPayment' AND ExecutionStatus = 'Running' AND SwedbankPayOrderId = '1\\' OR WorkflowType != \\''",
    );
    assert.equal(
      listQuery({ needsAttention: true, executionStatus: 'any' }),
      "WorkflowType = 'swedbankPayPayment' AND SwedbankPayNeedsAttention = true",
    );
  });

  it('connects with the environment (envconfig) and refuses a bad configuration', async () => {
    const address = fx.env.connection.options.address;
    const connected = await PaymentsClient.connect({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: fx.env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: fx.worker.taskQueue,
    });
    try {
      const input = await untrackedPayment();
      assert.equal((await connected.capture(input, { amount: 1_000, vatAmount: 200 })).state, 'Completed');
    } finally {
      await connected.close();
    }
    await assert.rejects(
      PaymentsClient.connect({ TEMPORAL_ADDRESS: address, TEMPORAL_PROFILE: 'no-such-profile' }),
      (err: unknown) => err instanceof ConfigurationError && /no-such-profile/.test(err.message),
    );
  });
});
