/**
 * The engine's ceiling for the benchmark: a workflow that does what a payment lifecycle does to
 * Temporal (one update per operation, each running one activity) and nothing else. Its activity does
 * no I/O. Bundled on its own, so that its cached form holds only the SDK and these few lines.
 */
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export const stepUpdate = defineUpdate<number, [number]>('step');
export const finishSignal = defineSignal('finish');

export interface BareActivities {
  noop(n: number): Promise<number>;
}

const { noop } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

export async function bareLifecycle(): Promise<number> {
  let steps = 0;
  let finished = false;
  setHandler(stepUpdate, async (n) => {
    steps++;
    return noop(n);
  });
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return steps;
}
