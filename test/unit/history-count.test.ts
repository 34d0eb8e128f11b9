// The benchmark's count of history events and billable actions (bench/support/history.ts), on archived
// histories whose events are known.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { countHistory, floorOf, type RawHistory } from '../../bench/support/history.js';

function archived(path: string): RawHistory {
  return JSON.parse(readFileSync(new URL(`../histories/${path}`, import.meta.url), 'utf8')) as RawHistory;
}

describe('history count', () => {
  it('counts a lifecycle by kind, without the exempt TemporalChangeVersion upserts', () => {
    const count = countHistory(archived('0.2.0/full-lifecycle.json'));
    assert.equal(count.events, 102);
    assert.deepEqual(count.actions, {
      'workflow started': 1,
      'continue-as-new': 0,
      'OMS signals': 0,
      'callback signals': 2,
      'updates accepted': 4,
      'activities scheduled': 5,
      'activity retries': 0,
      'timers started': 11,
      'search-attribute upserts': 8,
      // Three patch markers, all in the first workflow task: one action.
      'marker tasks': 1,
    });
    assert.equal(count.changeVersionUpserts, 3);
    assert.equal(count.timersCancelled, 10);
    assert.equal(count.billable, 32);
    // Start, 4 updates, 5 operations (one activity each), and one signal per callback sent, given 5.
    assert.equal(floorOf(count, 5, 5), 15);
  });

  it('counts OMS signals apart from callbacks, and activity retries from their attempts', () => {
    const signals = countHistory(archived('0.2.0/signal-operations.json'));
    assert.ok(signals.actions['OMS signals'] > 0);
    const dropped = countHistory(archived('0.2.0/commit-then-drop.json'));
    assert.ok(dropped.actions['activity retries'] >= 1, 'the dropped answer is retried');
  });

  it('counts continue-as-new as the start of the next run', () => {
    const run = countHistory(archived('0.2.0/continue-as-new-run-1.json'));
    assert.equal(run.actions['continue-as-new'], 1);
  });
});
