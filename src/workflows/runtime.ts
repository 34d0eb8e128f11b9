/**
 * What the workflow's phases and operations share: the state, the activities (proxied with the
 * payment's timeouts) and the few helpers every step uses to wait patiently and read failures.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  sleep,
  type ActivityInterfaceFor,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payment-activities.js';
import type { PaymentState } from './state.js';

export interface Runtime {
  state: PaymentState;
  activities: ActivityInterfaceFor<PaymentActivities>;
  activityOptions: ActivityOptions;
}

export function createRuntime(state: PaymentState): Runtime {
  const activityOptions: ActivityOptions = {
    startToCloseTimeout: state.policy.activityTimeoutMs,
    // Only transient errors are retried (final ones are non-retryable), so backing off forever is safe.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
  return { state, activities: proxyActivities<PaymentActivities>(activityOptions), activityOptions };
}

/** An activity's failure as a type to branch on and a sentence for people. */
export function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ActivityFailure', message: cause.message };
  return { type: 'ActivityFailure', message: cause instanceof Error ? cause.message : String(cause) };
}

/** Awaits an activity, flagging the payment if its outcome is still unknown after a long time. */
export async function patiently<T>(rt: Runtime, promise: Promise<T>, what: string): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  if (!(await condition(() => done, rt.state.policy.pendingAttentionAfterMs))) {
    rt.state.flag(`${what}: outcome still unknown`);
  }
  return tracked;
}

/** Callbacks are unsigned and may come in floods: GETs they trigger are spaced at least this far apart. */
export const MIN_GET_SPACING_MS = 2_000;

/** Poll delays: from the policy's first delay, doubling up to its longest. */
export class Backoff {
  delay: number;
  constructor(private readonly rt: Runtime) {
    this.delay = rt.state.policy.pollInitialMs;
  }
  next(): void {
    this.delay = Math.min(this.delay * 2, this.rt.state.policy.pollMaxMs);
  }
}

/**
 * Waits for a callback (a hint that something changed, counted since `seen`), `alsoWake`, or `ms`.
 * Woken by a callback, it then waits out the spacing, so a flood of callbacks makes at most one GET
 * per MIN_GET_SPACING_MS.
 */
export async function waitForHint(rt: Runtime, seen: number, ms: number, alsoWake?: () => boolean): Promise<void> {
  const { state } = rt;
  const asked = state.now();
  await condition(() => state.callbacksReceived > seen || (alsoWake?.() ?? false), ms);
  if (state.callbacksReceived > seen) {
    const spacing = Math.min(state.policy.pollInitialMs, MIN_GET_SPACING_MS) - (state.now() - asked);
    if (spacing > 0) await sleep(spacing);
  }
}
