/**
 * Counts a workflow history's events and its billable Temporal Cloud actions by kind, following
 * Temporal's published list of actions (docs.temporal.io/cloud/actions):
 *
 *   - workflow started (a client start, signal-with-start, update-with-start): 1;
 *   - continue-as-new: 1 (the next run's start);
 *   - each signal: 1 (the OMS's events and Swedbank Pay's callbacks alike);
 *   - each accepted update: 1 (a rejected update is also 1 but never enters history, so it is not
 *     counted here; the benchmark sends none);
 *   - each activity scheduled: 1, and each retry: 1 more (ActivityTaskStarted's attempt - 1);
 *   - each timer started: 1 (also the implicit ones of `condition(fn, timeout)` and `sleep`);
 *   - each search-attribute upsert: 1, except one that only writes `TemporalChangeVersion` (which the
 *     SDK writes with each patch marker and Temporal exempts);
 *   - markers: Temporal counts the RecordMarker commands of one workflow task as 1 action (the rule
 *     is stated for local activities; this package records only patch markers, counted the same way
 *     to stay on the safe side).
 *
 * Not actions: workflow task events, timers fired or cancelled, activity started/completed, update
 * completed, the workflow's completion. Queries are actions but leave nothing in history; the
 * benchmark's lifecycles send none while they are counted.
 */
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

/** The fields the counter reads, as an archived JSON history (or `historyToJSON`) has them. */
interface RawEvent {
  eventType?: string | null;
  workflowExecutionSignaledEventAttributes?: { signalName?: string | null } | null;
  activityTaskStartedEventAttributes?: { attempt?: number | null } | null;
  upsertWorkflowSearchAttributesEventAttributes?: {
    searchAttributes?: { indexedFields?: Record<string, unknown> | null } | null;
  } | null;
  markerRecordedEventAttributes?: { workflowTaskCompletedEventId?: string | null } | null;
}

export interface RawHistory {
  events?: RawEvent[] | null;
}

export const ACTION_KINDS = [
  'workflow started',
  'continue-as-new',
  'OMS signals',
  'callback signals',
  'updates accepted',
  'activities scheduled',
  'activity retries',
  'timers started',
  'search-attribute upserts',
  'marker tasks',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export interface HistoryCount {
  /** Every event. */
  events: number;
  /** Events by type (EVENT_TYPE_ prefix dropped). */
  byType: Record<string, number>;
  /** Billable actions by kind. */
  actions: Record<ActionKind, number>;
  /** Their sum. */
  billable: number;
  /** For reference, not billable: timers cancelled, TemporalChangeVersion upserts, workflow tasks. */
  timersCancelled: number;
  changeVersionUpserts: number;
  workflowTasks: number;
}

const CALLBACK_SIGNAL = 'callback';
const CHANGE_VERSION = 'TemporalChangeVersion';

function typeName(raw: RawEvent['eventType']): string {
  return String(raw ?? 'EVENT_TYPE_UNSPECIFIED').replace(/^EVENT_TYPE_/, '');
}

/** A history as `handle.fetchHistory()` returns it, in the JSON form the counter reads. */
export function jsonHistory(history: History): RawHistory {
  return JSON.parse(historyToJSON(history)) as RawHistory;
}

export function countHistory(history: RawHistory): HistoryCount {
  const actions = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as Record<ActionKind, number>;
  const byType: Record<string, number> = {};
  const markerTasks = new Set<string>();
  let timersCancelled = 0;
  let changeVersionUpserts = 0;
  const events = history.events ?? [];
  for (const event of events) {
    const type = typeName(event.eventType);
    byType[type] = (byType[type] ?? 0) + 1;
    switch (type) {
      case 'WORKFLOW_EXECUTION_STARTED':
        actions['workflow started']++;
        break;
      case 'WORKFLOW_EXECUTION_CONTINUED_AS_NEW':
        actions['continue-as-new']++;
        break;
      case 'WORKFLOW_EXECUTION_SIGNALED':
        if (event.workflowExecutionSignaledEventAttributes?.signalName === CALLBACK_SIGNAL)
          actions['callback signals']++;
        else actions['OMS signals']++;
        break;
      case 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED':
        actions['updates accepted']++;
        break;
      case 'ACTIVITY_TASK_SCHEDULED':
        actions['activities scheduled']++;
        break;
      case 'ACTIVITY_TASK_STARTED':
        actions['activity retries'] += Math.max(0, Number(event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
        break;
      case 'TIMER_STARTED':
        actions['timers started']++;
        break;
      case 'TIMER_CANCELED':
        timersCancelled++;
        break;
      case 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const fields = Object.keys(
          event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (fields.length > 0 && fields.every((f) => f === CHANGE_VERSION)) changeVersionUpserts++;
        else actions['search-attribute upserts']++;
        break;
      }
      case 'MARKER_RECORDED':
        markerTasks.add(String(event.markerRecordedEventAttributes?.workflowTaskCompletedEventId ?? ''));
        break;
    }
  }
  actions['marker tasks'] = markerTasks.size;
  return {
    events: events.length,
    byType,
    actions,
    billable: Object.values(actions).reduce((a, b) => a + b, 0),
    timersCancelled,
    changeVersionUpserts,
    workflowTasks: byType.WORKFLOW_TASK_COMPLETED ?? 0,
  };
}

/**
 * The floor of a lifecycle: what no implementation can do without. Its start, each OMS message, one
 * activity per operation (one Swedbank Pay request sequence each) and one signal per callback Swedbank
 * Pay sent (`callbacksSent`). A receiver that folds several callbacks into one signal spends less than
 * that floor on callbacks; the history's own callback signals are in `count.actions`.
 */
export function floorOf(count: HistoryCount, operations: number, callbacksSent: number): number {
  return (
    count.actions['workflow started'] +
    count.actions['OMS signals'] +
    count.actions['updates accepted'] +
    operations +
    callbacksSent
  );
}
