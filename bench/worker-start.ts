/**
 * `npm run bench:worker-start [-- --runs 5]`: how long a worker process takes from its start to
 * polling, the time every restart or deploy waits. Starts a dev server on a free loopback port, then
 * starts the production worker (`swedbank-pay-temporal worker`) again and again, each time measuring
 * from spawning the process to its "worker started" line (printed right before it polls), then
 * stopping it with SIGTERM. Two forms:
 *   - compiled: the built package (`npm run build` first), as an installed package runs it; it uses
 *     the workflow bundle built with the package;
 *   - source: src/ under tsx, as in development; it bundles the workflow code at start.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { installQuietRuntime } from '../src/temporal/logging.js';
import { startDevServer } from '../src/temporal/servers.js';

const ROOT = new URL('..', import.meta.url).pathname;
const FORMS = {
  compiled: [`${ROOT}bin/swedbank-pay-temporal.js`, 'worker'],
  source: ['--import', 'tsx', `${ROOT}src/cli/main.ts`, 'worker'],
} as const;
type Form = keyof typeof FORMS;

async function startOnce(form: Form, address: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...FORMS[form]], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: `bench-worker-start-${process.pid}`,
      // Nothing reaches Swedbank Pay: no workflow runs on this task queue.
      SWEDBANK_PAY_BASE_URL: 'http://127.0.0.1:9',
      SWEDBANK_PAY_TOKEN: 'not-used',
      WORKER_SHUTDOWN_GRACE_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = once(child, 'exit');
  let elapsed: number | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('worker started')) {
      elapsed = performance.now() - started;
      child.kill('SIGTERM');
    }
  }
  await exited;
  if (elapsed === undefined) throw new Error(`the ${form} worker did not start:\n${errors}`);
  return elapsed;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (value: number) => `${(value / 1000).toFixed(2)} s`;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${ms(median)}, min ${ms(sorted[0]!)}, max ${ms(sorted.at(-1)!)} (${samples.map(ms).join(', ')})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, form: { type: 'string', multiple: true } },
  });
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs <= 0) throw new Error('--runs must be a positive integer');
  const forms = (values.form ?? Object.keys(FORMS)) as Form[];
  for (const form of forms)
    if (!(form in FORMS)) throw new Error(`--form must be one of ${Object.keys(FORMS).join(', ')}`);
  if (forms.includes('compiled') && !existsSync(`${ROOT}lib/src/cli/main.js`)) {
    throw new Error('the compiled form needs a build: npm run build');
  }
  installQuietRuntime();
  const server = await startDevServer();
  try {
    for (const form of forms) {
      const samples: number[] = [];
      for (let run = 0; run < runs; run += 1) samples.push(await startOnce(form, server.address));
      console.log(`${form.padEnd(8)} worker start to polling: ${summary(samples)}`);
    }
  } finally {
    await server.teardown();
  }
}

await main();
