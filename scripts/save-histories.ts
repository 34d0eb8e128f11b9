/**
 * Saves the workflow histories that the replay test (test/replay.test.ts) replays on every test
 * run: runs the payment scenario tests with SAVE_HISTORIES=1, which write test/histories/*.json.
 * Run it after an intended change to the workflow's behaviour, and commit the new histories:
 *   npm run histories:save
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const SCENARIOS = [
  'test/payment-lifecycle.test.ts',
  'test/payment-outcomes.test.ts',
  'test/payment-expiry.test.ts',
  'test/payment-authorization.test.ts',
];

rmSync(new URL('../test/histories/', import.meta.url), { recursive: true, force: true });
const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/run.ts', ...SCENARIOS], {
  stdio: 'inherit',
  env: { ...process.env, SAVE_HISTORIES: '1' },
});
process.exit(result.status ?? 1);
