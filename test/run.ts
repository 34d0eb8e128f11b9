/**
 * `npm test`: starts the shared Temporal dev server and workflow bundle once (test/harness.ts), runs
 * every test file with node's test runner against them, and tears everything down. With the
 * production-shape test among the files, it first builds (or finds) the Temporal server that test runs.
 * `npm test -- test/some.test.ts` runs only the files given.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { prepareProductionShape } from '../scripts/production-shape/stack.js';
import { startSharedTemporal, PRODUCTION_SHAPE_BUILD_ERROR } from './harness.js';
import { scanHistories } from './history-scan.js';

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
  // The production-shape test needs the Temporal server built: minutes the first time on a machine,
  // more than a test file may take. A build that fails is that test's failure, not the whole run's.
  const prepared: Record<string, string> = {};
  if (files.some((file) => file.endsWith('production-shape.test.ts'))) {
    await prepareProductionShape((line) => console.error(`[production-shape] ${line}`)).catch((err: unknown) => {
      prepared[PRODUCTION_SHAPE_BUILD_ERROR] = err instanceof Error ? err.message : String(err);
    });
  }
  const shared = await startSharedTemporal();
  let exitCode = 1;
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files],
      { stdio: 'inherit', env: { ...process.env, ...shared.env, ...prepared } },
    );
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop).once('SIGTERM', stop);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    exitCode = code ?? (signal ? 1 : 0);
    if (!signal) exitCode = Math.max(exitCode, await checkHistories(shared.env));
  } finally {
    await shared.teardown();
  }
  return exitCode;
}

/** No secret and no failed workflow task in any history the tests left on the shared server. */
async function checkHistories(env: Record<string, string>): Promise<number> {
  const address = Object.entries(env).find(([k]) => k.endsWith('TEMPORAL_ADDRESS'))?.[1];
  const namespace = Object.entries(env).find(([k]) => k.endsWith('TEMPORAL_NAMESPACE'))?.[1] ?? 'default';
  if (!address) return 0;
  const { workflows, leaks, failedTasks } = await scanHistories(address, namespace);
  if (leaks.length === 0 && failedTasks.length === 0) {
    console.log(
      `history scan: ${workflows} workflow runs, no bearer token or card token in any payload, no failed workflow task`,
    );
    return 0;
  }
  if (leaks.length > 0) console.error(`FAIL: secrets in workflow history:\n  ${leaks.slice(0, 10).join('\n  ')}`);
  if (failedTasks.length > 0) console.error(`FAIL: failed workflow tasks:\n  ${failedTasks.slice(0, 10).join('\n  ')}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
