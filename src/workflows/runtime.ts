/**
 * What the workflow's phases and operations share: the state, the activities (proxied with the
 * payment's timeouts) and the few helpers every step uses to wait patiently and read failures.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  sleep,
  workflowInfo,
  type ActivityInterfaceFor,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payment-activities.js';
import type { Features } from './patches.js';
import type { PaymentState } from './state.js';

export interface Runtime {
  state: PaymentState;
  activities: ActivityInterfaceFor<PaymentActivities>;
  activityOptions: ActivityOptions;
  features: Features;
  /** The history length of the workflow task that last delivered an update (-1: none yet). */
  updateTask: number;
}

export function createRuntime(state: PaymentState, features: Features): Runtime {
  const activityOptions: ActivityOptions = {
    startToCloseTimeout: state.policy.activityTimeoutMs,
    // Only transient errors are retried (final ones are non-retryable), so backing off forever is safe.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
  return {
    state,
    activities: proxyActivities<PaymentActivities>(activityOptions),
    activityOptions,
    features,
    updateTask: -1,
  };
}

/** History is long (the server suggests it, or the policy's threshold is reached): time for a new run. */
export function continueAsNewDue(rt: Runtime): boolean {
  const info = workflowInfo();
  const threshold = rt.state.policy.continueAsNewAfterEvents;
  return info.continueAsNewSuggested || (threshold !== undefined && info.historyLength >= threshold);
}

/**
 * An idle run that is due to continue as new waits for a later workflow task when this one delivered
 * an update (see PATCHES.continueAsNewApartFromUpdates); not once history is long enough to insist,
 * so that a stream of updates cannot keep a long history going.
 */
export function continueAsNewDeferred(rt: Runtime): boolean {
  return (
    rt.features.continueAsNewApartFromUpdates &&
    rt.updateTask === workflowInfo().historyLength &&
    !mustContinueAsNew(rt)
  );
}

/** Notes that this workflow task delivered an update. */
export function noteUpdateDelivered(rt: Runtime): void {
  rt.updateTask = workflowInfo().historyLength;
}

/**
 * Thrown from wherever the workflow waits (an operation outstanding, the authorization awaited) when
 * history has grown long: the workflow function catches it and continues as new with the state,
 * whose operations carry their progress.
 */
export class ContinueAsNewNow extends Error {
  override name = 'ContinueAsNewNow';
}

/**
 * A new run is due now even mid-operation (for runs that may do that): when the server suggests it,
 * or history has grown to twice the policy's threshold. Below that, the workflow waits to be idle,
 * so that no update waiting for its result is cut off (its client would have to ask again).
 */
export function mustContinueAsNew(rt: Runtime): boolean {
  if (!rt.features.continueAsNewAnytime) return false;
  const info = workflowInfo();
  const threshold = rt.state.policy.continueAsNewAfterEvents;
  return info.continueAsNewSuggested || (threshold !== undefined && info.historyLength >= 2 * threshold);
}

/** Unwinds to the workflow function when a new run is due. */
export function continueAsNewIfDue(rt: Runtime): void {
  if (mustContinueAsNew(rt)) throw new ContinueAsNewNow();
}

/** Not a failure to record: the workflow is being cancelled, or is moving to a new run. */
export function isUnwinding(err: unknown): boolean {
  return err instanceof ContinueAsNewNow || isCancellation(err);
}

/** An activity's failure as a type to branch on and a sentence for people. */
export function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ActivityFailure', message: cause.message };
  return { type: 'ActivityFailure', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * Awaits an activity, flagging the payment if its outcome is still unknown after a long time. When a
 * new run is due meanwhile, the activity is let go (its retry in the next run looks its work up first)
 * and ContinueAsNewNow unwinds. Runs without `leanCommands`; the others use `interruptible` and the
 * activity's own deadline (operations/transaction.ts).
 */
export async function patiently<T>(rt: Runtime, start: () => Promise<T>, what: string): Promise<T> {
  let done = false;
  const scope = new CancellationScope();
  const tracked = scope.run(start).finally(() => {
    done = true;
  });
  const interrupt = () => mustContinueAsNew(rt);
  if (!(await condition(() => done || interrupt(), rt.state.policy.pendingAttentionAfterMs))) {
    rt.state.flag(`${what}: outcome still unknown`);
    await condition(() => done || interrupt());
  }
  if (!done) {
    tracked.catch(() => undefined); // abandoned: its cancellation is not an error of this run
    scope.cancel();
    throw new ContinueAsNewNow();
  }
  return tracked;
}

/**
 * Awaits an activity, without a timer. When a new run is due meanwhile, the activity is let go (its
 * retry in the next run looks its work up first) and ContinueAsNewNow unwinds.
 */
export async function interruptible<T>(rt: Runtime, start: () => Promise<T>): Promise<T> {
  let done = false;
  const scope = new CancellationScope();
  const tracked = scope.run(start).finally(() => {
    done = true;
  });
  await condition(() => done || mustContinueAsNew(rt));
  if (!done) {
    tracked.catch(() => undefined); // abandoned: its cancellation is not an error of this run
    scope.cancel();
    throw new ContinueAsNewNow();
  }
  return tracked;
}

/**
 * One durable timer for a deadline that may move (the expiry's lead time, the end of the reversal
 * window): started when the deadline is set, started again only when it changes, so that waking up
 * for anything else (a request, a callback, an operation's end) costs no timer. `due` once it fired.
 */
export class Deadline {
  #at: number | undefined;
  #scope: CancellationScope | undefined;
  #due = false;

  /** Workflow time (ms) to fire at; undefined for none. Setting the same deadline again changes nothing. */
  set(at: number | undefined): void {
    // Once fired, the same deadline again (not expected: the caller acts on it) waits a moment, never spins.
    if (at === this.#at && !this.#due) return;
    this.#scope?.cancel();
    this.#scope = undefined;
    this.#at = at;
    this.#due = false;
    if (at === undefined) return;
    const scope = new CancellationScope();
    this.#scope = scope;
    scope
      .run(() => sleep(Math.max(1, at - Date.now())))
      .then(
        () => {
          if (this.#scope === scope) this.#due = true;
        },
        () => undefined, // cancelled: the deadline moved
      );
  }

  get due(): boolean {
    return this.#due;
  }
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
 * per MIN_GET_SPACING_MS; a new run due meanwhile cuts the spacing short.
 */
export async function waitForHint(rt: Runtime, seen: number, ms: number, alsoWake?: () => boolean): Promise<void> {
  const { state } = rt;
  const asked = state.now();
  await condition(() => state.callbacksReceived > seen || (alsoWake?.() ?? false), ms);
  if (state.callbacksReceived > seen) {
    const spacing = Math.min(state.policy.pollInitialMs, MIN_GET_SPACING_MS) - (state.now() - asked);
    if (spacing <= 0) return;
    if (rt.features.continueAsNewAnytime) await condition(() => mustContinueAsNew(rt), spacing);
    else await sleep(spacing);
  }
}
