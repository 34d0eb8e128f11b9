// Long timers on the time-skipping test server: a 7-day authorization hold completes at once.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { timeSkippingTemporal, teardownTemporal, withWorker } from './harness.js';
import { authorizationHoldWorkflow } from '../src/workflows/index.js';

after(teardownTemporal);

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

describe('the time-skipping server', () => {
  it('runs a workflow that sleeps 7 days to completion in workflow time', async (t) => {
    const env = await timeSkippingTemporal();
    const wallStart = performance.now();
    const result = await withWorker(env, (taskQueue) =>
      env.client.workflow.execute(authorizationHoldWorkflow, {
        args: [SEVEN_DAYS_MS],
        taskQueue,
        workflowId: `hold-${Date.now()}`,
      }),
    );
    const wallSeconds = (performance.now() - wallStart) / 1000;
    assert.ok(result.sleptMs >= SEVEN_DAYS_MS, `workflow time passed: ${result.sleptMs} ms`);
    t.diagnostic(
      `7-day sleep: ${(result.sleptMs / 86_400_000).toFixed(2)} days of workflow time in ${wallSeconds.toFixed(2)} s of wall time`,
    );
  });
});
