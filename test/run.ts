/**
 * `npm test`: starts the shared Temporal dev server and workflow bundle once (test/harness.ts), runs
 * every test file with node's test runner against them, and tears everything down.
 * `npm test -- test/some.test.ts` runs only the files given.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startSharedTemporal } from './harness.js';

const TEST_DIR = new URL('.', import.meta.url).pathname;
// Per test; a hung test fails instead of hanging CI.
const TEST_TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS ?? 180_000);

function discover(): string[] {
  return readdirSync(TEST_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => relative(process.cwd(), join(TEST_DIR, file)))
    .sort();
}

async function main(): Promise<number> {
  const files = process.argv.length > 2 ? process.argv.slice(2) : discover();
  const shared = await startSharedTemporal();
  let exitCode = 1;
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files],
      { stdio: 'inherit', env: { ...process.env, ...shared.env } },
    );
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop).once('SIGTERM', stop);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    exitCode = code ?? (signal ? 1 : 0);
  } finally {
    await shared.teardown();
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
