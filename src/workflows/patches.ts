/**
 * Every change to the workflow's commands since the archived baseline (0.1.0), by its `patched()`
 * id, in one place. Payments started before a change replay the old branch; new ones take the new.
 * Each run decides its features once, at its start, so a run behaves one way from its first command
 * to its last. Never reuse or rename an id. When no payment from before a change can still be open
 * (its reversal window and retention have passed), its branch may be retired with `deprecatePatch()`
 * (see UPGRADING.md).
 */
import { patched } from '@temporalio/workflow';

export const PATCHES = {
  /**
   * Messages that reach a payment before its first workflow task are judged in history order (every
   * signal, then every update, each in arrival order), not in the order handlers are registered.
   */
  historyOrder: 'messages-in-history-order',
  /** The input check refuses out-of-range policies, a foreign workflow id and a forged `carried`. */
  strictInput: 'strict-input-check',
  /**
   * The workflow continues as new when history grows long even with an operation outstanding or the
   * authorization awaited, carrying the operation's progress, so no flood of messages can push a
   * payment over the server's history limit.
   */
  continueAsNewAnytime: 'continue-as-new-anytime',
  /**
   * A card token's value in the input is refused (contract 1.3): the worker reads the token from
   * Swedbank Pay, so none enters history. Decided in the input check, before the features below.
   */
  noCardTokenInInput: 'no-card-token-in-input',
  /**
   * An idle run does not continue as new in the workflow task that delivered an update: had a signal
   * raced that task, the server would fail it and abort the update with a non-retryable "unexpected
   * workflow task failure". The run continues as new in a later task (a 1 ms timer makes one).
   */
  continueAsNewApartFromUpdates: 'continue-as-new-apart-from-updates',
  /**
   * Fewer commands for the same lifecycle (each timer and search-attribute upsert is a billed action
   * on Temporal Cloud and an event in history): one timer per real deadline, armed once and armed
   * again only when the deadline moves, so no timer per wake-up or callback; no one-day timer per
   * operation (the activity's schedule-to-close timeout is the "outcome still unknown" deadline);
   * search attributes written at most once per workflow task, only when they changed, and not for
   * the hold of a request still in flight.
   */
  leanCommands: 'lean-commands',
  /**
   * Bounds on what callers send, so that no message can fail a workflow task or make the state too
   * large to carry into a new run: references and a new chain's orderId are text without control
   * characters, order lines are bounded in size and money, inherited names are not policy fields, a
   * signal needs an operation number left for it, at most 999 operations per payment, done
   * operations are carried without their order lines; a payment order callback's unreadable attempt
   * number is dropped (the wake-up kept) and a legacy callback's ids are at most 200 characters.
   */
  boundedRequests: 'bounded-requests',
} as const;

/** What this run does the new way. */
export interface Features {
  historyOrder: boolean;
  continueAsNewAnytime: boolean;
  continueAsNewApartFromUpdates: boolean;
  leanCommands: boolean;
  boundedRequests: boolean;
}

/**
 * Decided at the start of every run, in this order, after the input check's own (strictInput, then
 * noCardTokenInInput, then boundedRequests, on a chain's first run): each new run records its markers, all in its first workflow task (one action
 * on Temporal Cloud however many they are; the TemporalChangeVersion upserts that come with them are
 * not billed). A run recorded before a change has no marker for it, so it replays the older branch,
 * and every earlier change is still asked on its own, exactly as the releases before it asked.
 */
export function features(): Features {
  return {
    historyOrder: patched(PATCHES.historyOrder),
    continueAsNewAnytime: patched(PATCHES.continueAsNewAnytime),
    continueAsNewApartFromUpdates: patched(PATCHES.continueAsNewApartFromUpdates),
    leanCommands: patched(PATCHES.leanCommands),
    boundedRequests: patched(PATCHES.boundedRequests),
  };
}
