// Determinism guard: the histories of real runs (saved by `npm run histories:save`) are replayed
// against today's workflow code. A change that would break running payments fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './harness.js';

const DIR = new URL('./histories/', import.meta.url);
const EXPECTED = [
  'full-lifecycle',
  'failed-capture',
  'async-cancellation-callback',
  'commit-then-drop',
  'authorization-expiry',
  'authorization-then-capture',
  'authorization-failed',
  'authorization-abandoned',
  'authorization-race',
];

describe('replay of saved payment histories', () => {
  it('replays every saved history without a non-determinism error', async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    for (const name of EXPECTED) assert.ok(files.includes(`${name}.json`), `history ${name} is saved`);
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as unknown,
    }));
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      assert.equal(result.error, undefined, `${result.workflowId}: ${String(result.error)}`);
      replayed++;
    }
    assert.equal(replayed, files.length);
  });
});
