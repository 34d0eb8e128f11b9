// The OMS client's waiting forms never leave the caller unsure, on the real dev server: a run that
// continues as new under a waiting request, more waiting requests than Temporal allows at once, and
// a query nobody can answer.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PaymentsClient } from '../src/client/payments-client.js';
import { PaymentStateUnavailableError } from '../src/client/errors.js';
import { connectClient } from '../src/config/connect.js';
import { temporalSettingsFromEnv } from '../src/config/temporal.js';
import { callbackSignal } from '../src/contract/index.js';
import { eventually, temporal } from './harness.js';
import { startPayment, usePaymentFixture, waitForState } from './payment-fixture.js';

const fx = usePaymentFixture(temporal);

/** A client on a connection of the package's own making (its retry rules), as PaymentsClient.connect() has. */
let own: Awaited<ReturnType<typeof connectClient>>;
describe('OMS client: waiting requests across faults', () => {
  before(async () => {
    own = await connectClient(
      temporalSettingsFromEnv({
        TEMPORAL_ADDRESS: fx.env.connection.options.address,
        TEMPORAL_NAMESPACE: fx.env.namespace ?? 'default',
      }),
    );
  });
  after(() => own?.close());
  waitingTests();
});

function payments(): PaymentsClient {
  return new PaymentsClient({ client: own.client, taskQueue: fx.worker.taskQueue });
}

async function captureTransactionId(paymentId: string, nth: number): Promise<string> {
  return eventually(
    async () => (await fx.admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture')[nth]?.id,
    { what: `capture ${nth + 1} at the emulator`, attempts: 200 },
  );
}

function waitingTests(): void {
  it('a run that continues as new under a waiting capture: the caller still gets the result, once', async () => {
    const { handle, paymentId } = await startPayment(fx, { amount: 10_000, policy: { continueAsNewAfterEvents: 40 } });
    await fx.admin.setOutcomes([{ operation: 'capture', outcome: 'Completed', delayMs: null, times: 1 }]);
    const waiting = payments().capture(paymentId, { amount: 4_000, vatAmount: 0, reference: 'ship-1' });
    const transactionId = await captureTransactionId(paymentId, 0);
    const firstRun = (await handle.describe()).runId;
    // Callbacks while the outcome is pending grow history past twice the threshold: a new run mid-operation.
    const body = { payment: { id: paymentId, number: 1 }, transaction: { id: transactionId, number: 2 } };
    for (let i = 0; i < 60; i++) await handle.signal(callbackSignal, body);
    await eventually(async () => ((await handle.describe()).runId !== firstRun ? true : undefined), {
      what: 'a new run',
      attempts: 200,
    });
    await fx.admin.completeTransaction(transactionId, 'Completed');
    const result = await waiting;
    assert.equal(result.state, 'Completed');
    assert.equal(result.amount, 4_000);
    assert.equal(result.reference, 'ship-1');
    const captures = (await fx.admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture');
    assert.equal(captures.length, 1, 'sent once');
    await handle.terminate('test done');
  });

  it('the 11th waiting request on one payment is handed over as a signal and answered like the others', async (t) => {
    const { handle, paymentId } = await startPayment(fx, { amount: 100_000 });
    // The first capture stays pending, so the next ones queue behind it, each with its caller waiting.
    await fx.admin.setOutcomes([{ operation: 'capture', outcome: 'Completed', delayMs: null, times: 1 }]);
    const client = payments();
    const first = client.capture(paymentId, { amount: 1_000, vatAmount: 0, reference: 'ship-0' });
    const transactionId = await captureTransactionId(paymentId, 0);
    const more = Array.from({ length: 11 }, (_, i) =>
      client.capture(paymentId, { amount: 1_000, vatAmount: 0, reference: `ship-${i + 1}` }),
    );
    // Ten in flight is Temporal's limit: the others are signals, visible in history.
    const signalled = await eventually(
      async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const signals = events.filter(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'captureRequested',
        );
        return signals.length >= 2 ? signals.length : undefined;
      },
      { what: 'requests past the limit handed over as signals', attempts: 200 },
    );
    await fx.admin.completeTransaction(transactionId, 'Completed');
    const results = await Promise.all([first, ...more]);
    assert.deepEqual(
      results.map((r) => [r.reference, r.state, r.amount]),
      Array.from({ length: 12 }, (_, i) => [`ship-${i}`, 'Completed', 1_000]),
    );
    const s = await waitForState(handle, (x) => x.queue.length === 0, { what: 'queue drained' });
    assert.equal(s.ledger.captured, 12_000);
    const captures = (await fx.admin.payment(paymentId)).transactions.filter((x) => x.type === 'Capture');
    assert.equal(captures.length, 12, 'each shipment captured once');
    t.diagnostic(
      `12 waiting captures: ${12 - signalled} as updates, ${signalled} handed over as signals, all Completed`,
    );
    await handle.terminate('test done');
  });

  it('a state query nobody answers is a typed error, not a raw Temporal one', async () => {
    const { paymentId, handle } = await startPayment(fx, { amount: 1_000 });
    // A payment whose workflow runs on a task queue no worker polls: its query cannot be answered.
    const lonely = new PaymentsClient({ client: own.client, taskQueue: `nobody-${randomUUID()}` });
    const input = {
      paymentId: paymentId.replace(/[0-9a-f]{4}$/, '0000'),
      orderId: 'lonely',
      currency: 'SEK',
      authorizedAmount: 1,
    };
    await lonely.track(input);
    await assert.rejects(
      own.client.withDeadline(Date.now() + 5_000, () => lonely.state(input.paymentId)),
      (err: unknown) => err instanceof PaymentStateUnavailableError && err.paymentId === input.paymentId,
    );
    await own.client.workflow
      .getHandle(`swedbank-pay-creditcard-${input.paymentId.split('/').pop()}`)
      .terminate('test done');
    await handle.terminate('test done');
  });
}
