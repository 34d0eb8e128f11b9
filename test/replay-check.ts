/**
 * The replay check: histories of real runs replayed against a workflow bundle, one at a time, each
 * failure named by its label. The archive test and the upgrade test both use it.
 */
import { Worker, type WorkerOptions } from '@temporalio/worker';

export interface LabelledHistory {
  /** How a failure names it, e.g. `0.1.0/full-lifecycle`. */
  label: string;
  /** The id it ran under (the workflow checks that its id belongs to its payment). */
  workflowId: string;
  history: unknown;
}

/** Replays every history; returns `label: error` for each that does not replay. */
export async function replayFailures(
  histories: LabelledHistory[],
  workflowBundle: NonNullable<WorkerOptions['workflowBundle']>,
  options: Pick<WorkerOptions, 'sinks'> = {},
): Promise<{ replayed: number; failures: string[] }> {
  const failures: string[] = [];
  let replayed = 0;
  const input = histories.map(({ workflowId, history }) => ({ workflowId, history }));
  // Histories are replayed one after the other, so results come in the order given.
  for await (const result of Worker.runReplayHistories({ workflowBundle, ...options }, input)) {
    const label = histories[replayed]?.label ?? result.workflowId;
    replayed++;
    if (result.error) failures.push(`${label}: ${result.error.message}`);
  }
  return { replayed, failures };
}

/** What to do when a history no longer replays. */
export const GATE_ADVICE =
  'Payments started by those versions would be stuck. Gate the change with patched() (or ship it as a ' +
  'new worker deployment version; see UPGRADING.md); never re-record an archived history.';
