// A flood of callbacks while money is moving, on a dev server of its own whose history limit is
// lowered to 1,000 events (the server terminates a workflow past it). Both sides bound what a flood
// costs: the receiver coalesces and rate-limits per payment, and the workflow continues as new
// mid-operation, carrying the operation, so the capture that completes meanwhile is recorded.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { startCallbackServer } from '../src/callbacks/server.js';
import { callbackSignal, captureSignal } from '../src/contract/index.js';
import { startDevServer } from '../src/temporal/servers.js';
import { eventually } from './harness.js';
import { startPayment, startPaymentFixture, waitForState, type PaymentFixture } from './payment-fixture.js';

const HISTORY_ERROR_LIMIT = 1_000;

let env: TestWorkflowEnvironment;
let fx: PaymentFixture;
before(async () => {
  env = await startDevServer({
    dynamicConfig: {
      'limit.historyCount.suggestContinueAsNew': 150,
      'limit.historyCount.error': HISTORY_ERROR_LIMIT,
    },
  });
  fx = await startPaymentFixture(env);
});
after(async () => {
  await fx?.stop();
  await env?.teardown();
});

/** A payment whose capture was sent and stays Initialized at Swedbank Pay until `complete()`. */
async function pendingCapture() {
  const { handle, paymentId } = await startPayment(fx, { amount: 10_000 });
  await fx.admin.setOutcomes([{ operation: 'capture', outcome: 'Completed', delayMs: null, times: 1 }]);
  await handle.signal(captureSignal, { reference: 'ship-1', amount: 6_000, vatAmount: 0 });
  await waitForState(handle, (s) => s.ledger.entries[0]?.state === 'Pending' && s.queue[0]?.status === 'running', {
    what: 'capture sent, outcome pending',
  });
  const transactionId = await eventually(
    async () => (await fx.admin.payment(paymentId)).transactions.find((x) => x.type === 'Capture')?.id,
    { what: 'capture at the emulator' },
  );
  return {
    handle,
    paymentId,
    body: { payment: { id: paymentId, number: 1 }, transaction: { id: transactionId, number: 2 } },
    complete: () => fx.admin.completeTransaction(transactionId, 'Completed'),
  };
}

async function runs(handle: WorkflowHandle): Promise<{ status: string; events: number }[]> {
  const found: { status: string; events: number }[] = [];
  for await (const wf of env.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` })) {
    found.push({ status: wf.status.name, events: wf.historyLength ?? 0 });
  }
  return found;
}

/** The capture is recorded once, the workflow runs on, and every run stayed under the history limit. */
async function assertSurvived(handle: WorkflowHandle, paymentId: string) {
  const done = await waitForState(handle, (s) => s.ledger.captured === 6_000 && s.queue.length === 0, {
    what: 'capture recorded after the flood',
    attempts: 300,
  });
  assert.equal(done.ledger.entries.length, 1);
  assert.equal((await handle.describe()).status.name, 'RUNNING', 'not terminated');
  const all = await runs(handle);
  assert.ok(
    all.every((r) => r.status !== 'TERMINATED' && r.events < HISTORY_ERROR_LIMIT),
    JSON.stringify(all),
  );
  const captures = (await fx.admin.payment(paymentId)).transactions.filter((x) => x.type === 'Capture');
  assert.equal(captures.length, 1, 'one capture at Swedbank Pay');
  return all;
}

describe('callback flood', () => {
  it('through the receiver: 3,000 callbacks to one payment cost it a handful of signals', async (t) => {
    const { handle, paymentId, body, complete } = await pendingCapture();
    const server = await startCallbackServer({ client: env.client, port: 0 });
    const statuses = new Map<number, number>();
    try {
      for (let sent = 0; sent < 3_000; sent += 20) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            fetch(server.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              // Each one a different transaction id: no two are the same callback.
              body: JSON.stringify({
                ...body,
                transaction: { id: `${paymentId}/captures/${randomUUID()}`, number: i },
              }),
            }),
          ),
        );
        for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      }
    } finally {
      await server.close();
    }
    // Acknowledged (coalesced into the next signal) or told to come back later: never an error.
    assert.ok(
      [...statuses.keys()].every((status) => status === 200 || status === 429),
      JSON.stringify([...statuses]),
    );
    await complete();
    const all = await assertSurvived(handle, paymentId);
    const signals = ((await handle.fetchHistory()).events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'callback',
    ).length;
    assert.ok(signals <= 40, `${signals} callback signals reached the workflow`);
    t.diagnostic(
      `answers ${JSON.stringify(Object.fromEntries(statuses))}; ${signals} signals in history, ${all.length} run(s)`,
    );
    await handle.terminate('test done');
  });

  it('straight to the workflow: bursts 3x the history limit while the capture is pending; it continues as new mid-operation', async (t) => {
    const { handle, paymentId, body, complete } = await pendingCapture();
    for (let burst = 0; burst < 12; burst++) {
      for (let sent = 0; sent < 250; sent += 5) {
        await Promise.all(Array.from({ length: 5 }, () => handle.signal(callbackSignal, body)));
      }
      // Between bursts the workflow catches up; within one, history grows far past the suggestion.
      await new Promise((r) => setTimeout(r, 300));
    }
    await complete();
    const all = await assertSurvived(handle, paymentId);
    assert.ok(all.length > 1, 'continued as new');
    t.diagnostic(`3000 signals: ${all.length} runs, longest ${Math.max(...all.map((r) => r.events))} events`);
    await handle.terminate('test done');
  });
});
