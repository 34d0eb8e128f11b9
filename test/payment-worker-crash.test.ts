// Exactly once across a worker crash: the worker is a real process, killed with SIGKILL while its
// capture is committed at Swedbank Pay but not yet answered; a new worker finishes the operation by
// finding the capture by payeeReference. Exactly one capture exists.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { captureUpdate } from '../src/contract/index.js';
import { temporal, uniqueTaskQueue, workflowBundlePath } from './harness.js';
import { startPayment, usePaymentFixture } from './payment-fixture.js';
import { TEST_TOKEN } from './secrets.js';

const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
const fx = usePaymentFixture(temporal);

/** Starts a worker process on `taskQueue` and resolves once it polls. */
async function workerProcess(taskQueue: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./fixtures/worker-process.ts', import.meta.url).pathname],
    {
      env: {
        ...process.env,
        TEST_TEMPORAL_ADDRESS: fx.env.address,
        TEST_TEMPORAL_NAMESPACE: fx.env.namespace ?? 'default',
        TEST_TASK_QUEUE: taskQueue,
        ...(workflowBundlePath() ? { TEST_WORKFLOW_BUNDLE: workflowBundlePath() } : {}),
        SWEDBANK_PAY_BASE_URL: fx.emulator.baseUrl,
        SWEDBANK_PAY_TOKEN: TEST_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => line.includes('worker ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('worker not ready in 60 s')), 60_000).unref(),
  );
  await Promise.race([ready, timeout]);
  return child;
}

describe('worker crash', () => {
  for (const instrument of ['creditcard', 'paymentorder'] as const) {
    const what = instrument === 'paymentorder' ? ' (payment order)' : '';
    it(`a worker killed with SIGKILL mid-capture and restarted leaves exactly one capture${what}`, async () => {
      const taskQueue = uniqueTaskQueue('crash');
      const first = await workerProcess(taskQueue);
      const { handle, paymentId } = await startPayment(fx, {
        instrument,
        amount: 80_000,
        taskQueue,
        policy: { activityTimeoutMs: 3_000 },
      });
      // Swedbank Pay commits the capture at once but answers only after 20 s: the worker dies first.
      await fx.admin.setFaults([{ operation: 'capture', fault: { kind: 'slow-response', ms: 20_000 }, times: 1 }]);
      const update = handle.executeUpdate(captureUpdate, {
        args: [{ amount: 30_000, vatAmount: 6_000, reference: 'S1' }],
      });

      let committed = 0;
      for (let i = 0; i < 200 && committed === 0; i++) {
        committed = (await fx.admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture').length;
        if (committed === 0) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(committed, 1, 'the capture reached Swedbank Pay');
      first.kill('SIGKILL');
      await once(first, 'exit');

      const second = await workerProcess(taskQueue);
      const result = await update;
      assert.equal(result.state, 'Completed');
      assert.equal(result.amount, 30_000);
      const captures = (await fx.admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture');
      assert.equal(captures.length, 1, 'exactly one capture at Swedbank Pay');
      assert.equal(captures[0]?.payeeReference, result.payeeReference);
      second.kill('SIGTERM');
      await once(second, 'exit');
      await fx.admin.clearFaults();
      await handle.terminate('test done');
    });
  }
});
