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
   * Fewer commands for the same lifecycle (each timer and search-attribute upsert is a billed action
   * on Temporal Cloud and an event in history): one timer per real deadline, armed once and armed
   * again only when the deadline moves, so no timer per wake-up or callback; no one-day timer per
   * operation (the activity's schedule-to-close timeout is the "outcome still unknown" deadline);
   * search attributes written at most once per workflow task, only when they changed, and not for
   * the hold of a request still in flight.
   */
  leanCommands: 'lean-commands',
} as const;

/** What this run does the new way. */
export interface Features {
  /** Only ever asked of a chain's first run: a continued run's input was checked when the chain started. */
  strictInput: boolean;
  historyOrder: boolean;
  continueAsNewAnytime: boolean;
  leanCommands: boolean;
}

/**
 * Decided once, at the start of every run. The newest change is asked first: a run that takes it
 * takes every earlier one too, and records one patch marker (and the TemporalChangeVersion search
 * attribute the SDK writes with each) instead of one per change. A run without it decides the earlier
 * ones exactly as the releases before it did, in their order. The next change goes first in turn.
 */
export function features(continued: boolean): Features {
  if (patched(PATCHES.leanCommands)) {
    return { strictInput: !continued, historyOrder: true, continueAsNewAnytime: true, leanCommands: true };
  }
  return {
    strictInput: !continued && patched(PATCHES.strictInput),
    historyOrder: patched(PATCHES.historyOrder),
    continueAsNewAnytime: patched(PATCHES.continueAsNewAnytime),
    leanCommands: false,
  };
}
