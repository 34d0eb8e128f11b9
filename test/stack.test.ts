// The stack on a real Temporal dev server: a workflow, its signal, its activity and a search attribute.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { temporal, teardownTemporal, withWorker } from './harness.js';
import { orderShipmentWorkflow, shippedSignal } from '../src/workflows/index.js';
import { ORDER_ID } from '../src/search-attributes.js';

after(teardownTemporal);

describe('a workflow on the real dev server', () => {
  it('waits for a signal, runs an activity and is found by its order id search attribute', async (t) => {
    const env = await temporal();
    const orderId = `order-${Date.now()}`;
    await withWorker(env, async (taskQueue) => {
      const handle = await env.client.workflow.start(orderShipmentWorkflow, {
        args: [orderId],
        taskQueue,
        workflowId: `stack-${orderId}`,
      });
      await handle.signal(shippedSignal, { shipmentId: 'S1', amount: 40000, currency: 'SEK' });
      assert.equal(await handle.result(), `order ${orderId} · shipment S1 · 400.00 SEK`);

      const { events } = await handle.fetchHistory();
      const history = events ?? [];
      const signal = history.find((e) => e.workflowExecutionSignaledEventAttributes);
      assert.equal(signal?.workflowExecutionSignaledEventAttributes?.signalName, 'shipped');
      assert.ok(
        history.some((e) => e.activityTaskCompletedEventAttributes),
        'history has the completed activity',
      );

      const description = await handle.describe();
      assert.deepEqual(description.typedSearchAttributes.get(ORDER_ID), orderId);
      t.diagnostic(`executed by the Temporal server at ${env.address}: ${history.length} history events`);
    });

    // Visibility is eventually consistent: poll a bounded number of times.
    let found = 0;
    for (let i = 0; i < 50 && found === 0; i++) {
      for await (const _ of env.client.workflow.list({ query: `${ORDER_ID.name} = "${orderId}"` })) found++;
      if (found === 0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(found, 1, 'visibility finds the workflow by SwedbankPayOrderId');
  });
});
