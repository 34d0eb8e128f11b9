// An upgrade while payments are open, on the real dev server with Worker Versioning: payments start on
// worker deployment version A and stop mid-lifecycle (captured, a cancellation whose outcome is
// pending, an authorization awaited); A stops, version B with a gated change to the workflow's
// commands becomes current, and every payment completes correctly on B. The same change without its
// gate fails the replay check on A's histories, naming them, before it could be deployed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { paymentStartOptions } from '../src/client/start-options.js';
import {
  cancelSignal,
  captureUpdate,
  reverseUpdate,
  type PaymentWorkflowInput,
  type PaymentWorkflowState,
} from '../src/contract/index.js';
import { quietBundlerLogger } from '../src/temporal/logging.js';
import { workflowBundleOptions } from '../src/worker.js';
import { swedbankPayPayment } from '../src/workflows/payment.js';
import { eventually, startWorker, temporal, uniqueTaskQueue, workflowBundle, type RunningWorker } from './harness.js';
import { FAST_POLICY, startPayment, state, usePaymentFixture, waitForState } from './payment-fixture.js';
import { replayFailures, type LabelledHistory } from './replay-check.js';
import { TEST_TOKEN } from './secrets.js';

const fx = usePaymentFixture(temporal);
const DEPLOYMENT = `swedbank-pay-upgrade-${randomUUID().slice(0, 8)}`;

/** The workflow code with a change of the test's fixtures bundled in (as a workflow interceptor). */
async function bundleWith(
  change: 'gated-change' | 'ungated-change',
): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  const module = new URL(`./fixtures/upgrade/${change}.ts`, import.meta.url).pathname;
  return bundleWorkflowCode({
    ...workflowBundleOptions(),
    workflowInterceptorModules: [module],
    logger: quietBundlerLogger,
  });
}

/** Makes a version current, as an operator would, once its worker has polled its task queue. */
async function makeCurrent(buildId: string): Promise<void> {
  await eventually(
    () =>
      fx.env.client.workflowService
        .setWorkerDeploymentCurrentVersion({
          namespace: fx.env.namespace ?? 'default',
          deploymentName: DEPLOYMENT,
          buildId,
          allowNoPollers: true,
          identity: 'upgrade test',
        })
        .then(
          () => true,
          (err: unknown) => {
            // Until the new version's worker has polled, its task queue is unknown to the deployment.
            if (/missing active task queues/.test(String(err))) return undefined;
            throw err;
          },
        ),
    { what: `version ${buildId} current`, attempts: 100, intervalMs: 100 },
  );
}

async function buildIdOf(handle: WorkflowHandle): Promise<string | undefined> {
  const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
  return info?.deploymentVersion?.buildId ?? undefined;
}

const workers: RunningWorker[] = [];

describe('upgrade while payments are open', () => {
  it('payments left mid-lifecycle on version A complete on version B, which carries a gated change', async (t) => {
    try {
      await upgradeMidLifecycle(t);
    } finally {
      for (const w of workers) await w.stop();
    }
  });
});

async function upgradeMidLifecycle(t: TestContext): Promise<void> {
  {
    const taskQueue = uniqueTaskQueue('upgrade');
    const swedbankPay = { baseUrl: fx.emulator.baseUrl, token: TEST_TOKEN, timeoutMs: 5_000 };
    const versionA = await startWorker(fx.env, {
      taskQueue,
      swedbankPay,
      overrides: {
        workflowBundle: await workflowBundle(),
        workerDeploymentOptions: {
          version: { deploymentName: DEPLOYMENT, buildId: 'A' },
          useWorkerVersioning: true,
          defaultVersioningBehavior: 'AUTO_UPGRADE',
        },
      },
    });
    workers.push(versionA);
    await makeCurrent('A');

    // Captured, its reversal window open.
    const captured = await startPayment(fx, { amount: 10_000, taskQueue, policy: { reversalWindowMs: 120_000 } });
    assert.equal(
      (await captured.handle.executeUpdate(captureUpdate, { args: [{ amount: 6_000, vatAmount: 0 }] })).state,
      'Completed',
    );
    // A cancellation whose outcome Swedbank Pay has not decided yet.
    const cancelling = await startPayment(fx, { amount: 10_000, taskQueue });
    await fx.admin.setOutcomes([{ operation: 'cancellation', outcome: 'Completed', delayMs: null, times: 1 }]);
    await cancelling.handle.signal(cancelSignal, { reference: 'order-closed' });
    await waitForState(cancelling.handle, (s) => s.ledger.entries[0]?.state === 'Pending', {
      what: 'cancellation pending',
    });
    // A payment the payer has not authorized yet.
    const created = await fx.admin.createPayment({
      instrument: 'creditcard',
      amount: 5_000,
      vatAmount: 0,
      currency: 'SEK',
      callbackUrl: fx.callbackUrl,
      awaitingAuthorization: true,
    });
    const input: PaymentWorkflowInput = {
      paymentId: created.payment.id,
      orderId: `upgrade-${randomUUID()}`,
      currency: 'SEK',
      authorizedAmount: 5_000,
      awaitAuthorization: true,
      policy: FAST_POLICY,
    };
    const awaiting = fx.env.client.workflow.getHandle(
      (await fx.env.client.workflow.start(swedbankPayPayment, paymentStartOptions(input, taskQueue))).workflowId,
    );
    await waitForState(awaiting, (s) => (s.authorization?.checks ?? 0) > 0, { what: 'authorization awaited' });
    const open = [captured.handle, cancelling.handle, awaiting];
    for (const handle of open) assert.equal(await buildIdOf(handle), 'A');
    const historiesOfA: LabelledHistory[] = [];
    for (const [i, handle] of open.entries()) {
      historiesOfA.push({
        label: `A/${['captured', 'cancellation-pending', 'authorization-awaited'][i]}`,
        workflowId: handle.workflowId,
        history: JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown,
      });
    }

    // Deploy: A stops, B (with the gated change) becomes current.
    await versionA.stop();
    const versionB = await startWorker(fx.env, {
      taskQueue,
      swedbankPay,
      overrides: {
        workflowBundle: await bundleWith('gated-change'),
        workerDeploymentOptions: {
          version: { deploymentName: DEPLOYMENT, buildId: 'B' },
          useWorkerVersioning: true,
          defaultVersioningBehavior: 'AUTO_UPGRADE',
        },
      },
    });
    workers.push(versionB);
    await makeCurrent('B');

    const reversal = await captured.handle.executeUpdate(reverseUpdate, { args: [{ amount: 2_000, vatAmount: 0 }] });
    assert.equal(reversal.state, 'Completed');
    const cancellation = (await fx.admin.payment(cancelling.paymentId)).transactions.find(
      (x) => x.type === 'Cancellation',
    );
    await fx.admin.completeTransaction(cancellation!.id, 'Completed');
    await waitForState(cancelling.handle, (s) => s.ledger.cancelled === 10_000 && s.queue.length === 0, {
      what: 'cancellation completed on B',
    });
    await fx.admin.authorizePayment(input.paymentId);
    await waitForState(awaiting, (s: PaymentWorkflowState) => s.status === 'Authorized', { what: 'authorized on B' });
    const capture = await awaiting.executeUpdate(captureUpdate, { args: [{ amount: 5_000, vatAmount: 0 }] });
    assert.equal(capture.state, 'Completed');

    for (const handle of open) assert.equal(await buildIdOf(handle), 'B', `${handle.workflowId} moved to B`);
    // B's change ran for the new operations: its patch marker and timer are in the histories.
    const markers = ((await captured.handle.fetchHistory()).events ?? []).filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_patch',
    ).length;
    assert.ok(markers > 0, 'the gated change took effect on B');
    const s = await state(captured.handle);
    assert.deepEqual([s.ledger.captured, s.ledger.reversed], [6_000, 2_000]);
    assert.equal((await fx.admin.payment(captured.paymentId)).totals.reversed, 2_000, 'the emulator agrees');

    // The replay check, before deploying: B replays every history of A (and the upgraded ones); the
    // same change without its gate does not, and says which histories it would break.
    const upgraded: LabelledHistory[] = [];
    for (const [i, handle] of open.entries()) {
      upgraded.push({
        label: `A+B/${i}`,
        workflowId: handle.workflowId,
        history: JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown,
      });
    }
    const gated = await replayFailures([...historiesOfA, ...upgraded], await bundleWith('gated-change'));
    assert.deepEqual(gated.failures, []);
    const ungated = await replayFailures(historiesOfA, await bundleWith('ungated-change'));
    assert.ok(
      ungated.failures.some((f) => f.startsWith('A/captured: ') && /Nondeterminism|TMPRL1100/.test(f)),
      ungated.failures.join('\n'),
    );
    t.diagnostic(`ungated change: ${ungated.failures.length} of ${historiesOfA.length} histories of A fail to replay`);
    t.diagnostic(ungated.failures[0]?.slice(0, 300) ?? '');
    for (const handle of open) await handle.terminate('test done').catch(() => undefined); // some have closed
  }
}
