// The stack on a real Temporal dev server: a payment workflow registered under its contract name,
// driven by a signal, running an activity against the emulator, found by its search attribute.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAYMENT_WORKFLOW_TYPE } from '../src/contract/index.js';
import { ORDER_ID } from '../src/contract/index.js';
import { captureSignal } from '../src/contract/index.js';
import { swedbankPayPayment } from '../src/workflows/payment.js';
import { eventually, temporal } from './harness.js';
import { startPayment, usePaymentFixture, waitForState } from './payment-fixture.js';

const fx = usePaymentFixture(temporal);

describe('a payment workflow on the real dev server', () => {
  it('runs under its contract name, acts on a signal through an activity, and is found by its order id', async (t) => {
    assert.equal(swedbankPayPayment.name, PAYMENT_WORKFLOW_TYPE, 'the documented workflow type is the function name');
    const orderId = `order-stack-${Date.now()}`;
    const { handle } = await startPayment(fx, { amount: 10_000, orderId });
    await handle.signal(captureSignal, { reference: 'S1', amount: 4_000, vatAmount: 800 });
    await waitForState(handle, (s) => s.ledger.captured === 4_000, { what: 'capture' });

    const history = (await handle.fetchHistory()).events ?? [];
    assert.equal(history[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name, PAYMENT_WORKFLOW_TYPE);
    const signals = history.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
    assert.ok(signals.includes('captureRequested'), `signals in history: ${signals.join(', ')}`);
    assert.ok(
      history.some((e) => e.activityTaskCompletedEventAttributes),
      'history has the completed activity',
    );
    t.diagnostic(`executed by the Temporal server at ${fx.env.address}: ${history.length} history events`);

    // Visibility is eventually consistent: poll a bounded number of times.
    const found = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const wf of fx.env.client.workflow.list({ query: `${ORDER_ID.name} = "${orderId}"` }))
          ids.push(wf.workflowId);
        return ids.length > 0 ? ids : undefined;
      },
      { attempts: 50, intervalMs: 200, what: 'visibility by SwedbankPayOrderId' },
    );
    assert.deepEqual(found, [handle.workflowId]);
    await handle.terminate('test done');
  });
});
