/**
 * Archives the workflow histories of this version: runs the payment scenario tests with
 * SAVE_HISTORIES_DIR set, so they write their histories into test/histories/<version>/ (the version
 * in package.json). The archive only grows: a version's folder is written once, and never when it
 * exists already. Run it when releasing a version whose workflow code changed, and commit the folder:
 *   npm run histories:save
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const SCENARIOS = [
  'test/payment-lifecycle.test.ts',
  'test/payment-outcomes.test.ts',
  'test/payment-expiry.test.ts',
  'test/payment-authorization.test.ts',
  'test/archive-scenarios.test.ts',
  'test/payment-orders.test.ts',
];

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const dir = new URL(`../test/histories/${version}/`, import.meta.url);
if (existsSync(dir)) {
  console.error(
    `test/histories/${version}/ exists: archived histories are never re-recorded. ` +
      'Bump the version in package.json for a new archive folder.',
  );
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/run.ts', ...SCENARIOS], {
  stdio: 'inherit',
  env: { ...process.env, SAVE_HISTORIES_DIR: dir.pathname },
});
if (result.status !== 0) {
  // A failed run leaves no half archive behind.
  rmSync(dir, { recursive: true, force: true });
  console.error('scenario tests failed: nothing archived');
  process.exit(result.status ?? 1);
}
console.log(`archived ${readdirSync(dir).length} histories in test/histories/${version}/`);
