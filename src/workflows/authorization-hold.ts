/**
 * Scaffolding for long timers: sleeps for as long as an authorization is held and reports how much
 * workflow time passed. Proves the time-skipping server; replaced by the payment workflow's expiry.
 */
import { sleep } from '@temporalio/workflow';

export async function authorizationHoldWorkflow(holdMs: number): Promise<{ sleptMs: number }> {
  const started = Date.now(); // workflow time: deterministic, skipped ahead by the test server
  await sleep(holdMs);
  return { sleptMs: Date.now() - started };
}
