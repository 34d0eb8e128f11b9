// The production shape, run for real (scripts/production-shape/stack.ts): PostgreSQL, the Temporal
// server at the pinned version with advanced visibility on PostgreSQL, two worker processes and the
// callback receiver of this package, the emulator as Swedbank Pay. No part is mocked.
//
// Missing prerequisites (Go to build the server once, PostgreSQL) skip this file with what to install,
// except under CI (CI set), where they fail it: CI must not pass without having run it.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { PaymentsClient } from '../src/client/payments-client.js';
import type { PaymentPolicy, PaymentWorkflowInput } from '../src/contract/index.js';
import {
  productionShapeProblems,
  startProductionShape,
  type ProductionShape,
} from '../scripts/production-shape/stack.js';
import { TEMPORAL_SERVER_VERSION } from '../src/temporal/versions.js';
import { eventually, PRODUCTION_SHAPE_BUILD_ERROR } from './harness.js';
import { FAST_POLICY } from './payment-fixture.js';
import { TEST_TOKEN } from './secrets.js';

const problems = productionShapeProblems();
const inCi = Boolean(process.env.CI);
const skip =
  problems.length > 0 && !inCi ? `the production shape cannot run on this machine:\n${problems.join('\n')}` : false;

let orders = 0;

describe(
  `production shape: PostgreSQL, Temporal server ${TEMPORAL_SERVER_VERSION}, two worker processes`,
  { skip },
  () => {
    let stack: ProductionShape;
    let payments: PaymentsClient;

    before(
      async () => {
        if (problems.length > 0) assert.fail(`missing on this CI machine:\n${problems.join('\n')}`);
        const buildError = process.env[PRODUCTION_SHAPE_BUILD_ERROR];
        if (buildError) assert.fail(`the Temporal server could not be built:\n${buildError}`);
        stack = await startProductionShape({ token: TEST_TOKEN });
        payments = new PaymentsClient({ client: stack.client, taskQueue: stack.taskQueue });
      },
      // Run on its own (not by npm test, which builds first), the first run on a machine builds the
      // Temporal server: minutes. Later runs reuse it.
      { timeout: 60 * 60_000 },
    );
    after(() => stack?.stop(), { timeout: 5 * 60_000 });

    /** An authorized payment at the emulator and its workflow, started as the OMS starts it. */
    async function newPayment(amount: number, policy: PaymentPolicy = {}): Promise<PaymentWorkflowInput> {
      const { payment } = await stack.admin.createPayment({
        instrument: 'creditcard',
        amount,
        vatAmount: amount / 5,
        currency: 'SEK',
        callbackUrl: stack.callbackUrl,
      });
      const input: PaymentWorkflowInput = {
        paymentId: payment.id,
        orderId: `prod-shape-${process.pid}-${++orders}`,
        currency: 'SEK',
        authorizedAmount: amount,
        policy: { ...FAST_POLICY, ...policy },
      };
      assert.equal((await payments.track(input)).started, true);
      return input;
    }

    function completed(result: { state: string; amount?: number }, amount: number): void {
      assert.equal(result.state, 'Completed', JSON.stringify(result));
      assert.equal(result.amount, amount);
    }

    /** The identities that started workflow and activity tasks in a payment's history, with counts. */
    async function taskIdentities(handle: WorkflowHandle, counts: Map<string, number>): Promise<void> {
      for (const event of (await handle.fetchHistory()).events ?? []) {
        const identity =
          event.workflowTaskStartedEventAttributes?.identity ?? event.activityTaskStartedEventAttributes?.identity;
        if (identity) counts.set(identity, (counts.get(identity) ?? 0) + 1);
      }
    }

    it('runs payment lifecycles on both workers', async (t: TestContext) => {
      const counts = new Map<string, number>();
      const workers = stack.workers.map((w) => w.identity);
      const both = () => workers.every((identity) => (counts.get(identity) ?? 0) > 0);
      // Which worker takes a task is the server's choice: more lifecycles until both took some, bounded.
      for (let batch = 0; batch < 5 && !both(); batch++) {
        const inputs = await Promise.all([1, 2, 3, 4].map(() => newPayment(100_000)));
        await Promise.all(
          inputs.map(async ({ paymentId }) => {
            completed(
              await payments.capture(paymentId, { amount: 60_000, vatAmount: 12_000, reference: 'ship-1' }),
              60_000,
            );
            completed(
              await payments.reverse(paymentId, { amount: 10_000, vatAmount: 2_000, reference: 'return-1' }),
              10_000,
            );
            completed(await payments.cancel(paymentId, { reference: 'closed' }), 40_000);
            const { ledger } = await payments.state(paymentId);
            assert.deepEqual([ledger.captured, ledger.reversed, ledger.cancelled], [60_000, 10_000, 40_000]);
            await taskIdentities(payments.handle(paymentId), counts);
          }),
        );
      }
      t.diagnostic(`tasks per worker: ${workers.map((w, i) => `worker ${i + 1} ${counts.get(w) ?? 0}`).join(', ')}`);
      assert.ok(both(), `both workers took tasks: ${JSON.stringify([...counts])} (workers ${workers.join(', ')})`);
      assert.deepEqual(
        [...counts.keys()].filter((identity) => !workers.includes(identity)),
        [],
        'no other worker took tasks',
      );
    });

    it('a worker SIGKILLed mid-capture leaves exactly one capture, finished by the other worker', async (t) => {
      const input = await newPayment(80_000, { activityTimeoutMs: 5_000 });
      const handle = payments.handle(input.paymentId);
      // Swedbank Pay commits the capture at once but answers only after 20 s: the worker dies first.
      await stack.admin.setFaults([{ operation: 'capture', fault: { kind: 'slow-response', ms: 20_000 }, times: 1 }]);
      const update = payments.capture(input.paymentId, { amount: 30_000, vatAmount: 6_000, reference: 'ship-1' });
      await eventually(
        async () =>
          (await stack.admin.payment(input.paymentId)).transactions.some((tx) => tx.type === 'Capture') || undefined,
        { attempts: 300, intervalMs: 50, what: 'the capture committed at Swedbank Pay' },
      );
      const identity = await eventually(
        async () => (await handle.describe()).raw.pendingActivities?.[0]?.lastWorkerIdentity || undefined,
        { attempts: 100, intervalMs: 50, what: 'the worker running the capture' },
      );
      const victim = stack.workers.find((w) => w.identity === identity);
      assert.ok(victim, `the capture runs on one of the two workers (${identity})`);
      const survivor = stack.workers.find((w) => w !== victim)!;
      victim.process.child.kill('SIGKILL');
      await victim.process.exited;
      t.diagnostic(`killed worker ${victim.index + 1} (${identity}) while its capture was unanswered`);

      const result = await update;
      completed(result, 30_000);
      const captures = (await stack.admin.payment(input.paymentId)).transactions.filter((tx) => tx.type === 'Capture');
      assert.equal(captures.length, 1, 'exactly one capture at Swedbank Pay');
      assert.equal(captures[0]?.payeeReference, result.payeeReference);
      const { ledger } = await payments.state(input.paymentId);
      assert.equal(ledger.captured, 30_000);
      assert.deepEqual(
        ledger.entries.filter((entry) => entry.kind === 'capture').map((entry) => [entry.payeeReference, entry.state]),
        [[result.payeeReference, 'Completed']],
        'exactly one capture in the workflow ledger',
      );
      const finishers = (await handle.fetchHistory()).events
        ?.filter((event) => event.activityTaskStartedEventAttributes)
        .map((event) => event.activityTaskStartedEventAttributes?.identity);
      assert.equal(finishers?.at(-1), survivor.identity, 'the other worker finished the capture');

      await stack.admin.clearFaults();
      await stack.startWorker(victim.index); // two workers again for what follows
    });

    it('a Temporal server restart on the same PostgreSQL loses no payment and each carries on', async (t) => {
      const inputs = await Promise.all([1, 2, 3, 4].map(() => newPayment(50_000)));
      for (const { paymentId } of inputs) {
        completed(await payments.capture(paymentId, { amount: 20_000, vatAmount: 4_000, reference: 'ship-1' }), 20_000);
      }
      const open = async () => (await payments.list({ limit: 1_000 })).map((entry) => entry.paymentId).sort();
      const before = await eventually(
        async () => {
          const ids = await open();
          return inputs.every((input) => ids.includes(input.paymentId)) ? ids : undefined;
        },
        { attempts: 100, intervalMs: 100, what: 'the new payments in visibility' },
      );

      const oldPid = stack.server().pid;
      await stack.stopServer();
      assert.equal(stack.server().running(), false);
      await stack.startServer();
      assert.notEqual(stack.server().pid, oldPid);
      assert.ok(stack.postgres.process.running(), 'the same PostgreSQL throughout');

      const afterRestart = await open();
      t.diagnostic(`open payments: ${before.length} before the restart, ${afterRestart.length} after`);
      assert.deepEqual(afterRestart, before, 'the same open payments after the restart');
      for (const { paymentId } of inputs) {
        completed(await payments.cancel(paymentId, { reference: 'closed' }), 30_000);
        const state = await payments.state(paymentId);
        assert.deepEqual([state.ledger.captured, state.ledger.cancelled], [20_000, 30_000]);
      }
      assert.ok(
        stack.workers.every((w) => w.process.running()),
        'both workers rode out the restart',
      );
    });

    it('visibility on PostgreSQL lists the payments that need attention', async () => {
      const healthy = await newPayment(30_000);
      const declined = await newPayment(30_000);
      completed(
        await payments.capture(healthy.paymentId, { amount: 10_000, vatAmount: 0, reference: 'ship-1' }),
        10_000,
      );
      await stack.admin.setOutcomes([
        { operation: 'capture', outcome: 'Failed', failedReason: 'Declined by acquirer', times: 1 },
      ]);
      const failed = await payments.capture(declined.paymentId, { amount: 10_000, vatAmount: 0, reference: 'ship-1' });
      assert.equal(failed.state, 'Failed');

      const listed = await eventually(
        async () => (await payments.list({ needsAttention: true })).find((e) => e.paymentId === declined.paymentId),
        { attempts: 100, intervalMs: 100, what: 'the declined payment listed as needing attention' },
      );
      assert.equal(listed.orderId, declined.orderId);
      assert.equal(listed.needsAttention, true);
      const flagged = (await payments.list({ needsAttention: true })).map((e) => e.paymentId);
      assert.ok(!flagged.includes(healthy.paymentId), 'a healthy payment is not listed');
      assert.deepEqual(
        (await payments.list({ orderId: declined.orderId })).map((e) => e.paymentId),
        [declined.paymentId],
      );
    });
  },
);
