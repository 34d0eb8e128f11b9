/**
 * `npm run production-shape`: the production shape without Docker (scripts/production-shape/stack.ts):
 * PostgreSQL, the Temporal server at the pinned version, two workers, the callback receiver and the
 * Swedbank Pay emulator, all on 127.0.0.1, until Ctrl-C.
 *
 * `npm run production-shape -- --prepare` only checks the machine and builds (or finds) the server,
 * so that CI shows that step on its own; it fails with what to install when something is missing.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PrerequisiteError } from './production-shape/processes.js';
import { productionShapeProblems, startProductionShape } from './production-shape/stack.js';
import { ensureTemporalServerBuild } from './production-shape/temporal-server.js';

const log = (line: string) => console.error(`[production-shape] ${line}`);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { prepare: { type: 'boolean' }, workers: { type: 'string' } } });
  const problems = productionShapeProblems();
  if (problems.length > 0) throw new PrerequisiteError(problems.join('\n'));
  if (values.prepare) {
    const build = await ensureTemporalServerBuild(log);
    log(`ready: the Temporal server in ${build.dir}`);
    return 0;
  }
  const workers = values.workers === undefined ? 2 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 8) throw new Error('--workers must be 1 to 8');
  // The emulator needs some token; this one never leaves the machine and is not printed.
  const stack = await startProductionShape({ token: `local-${randomBytes(12).toString('hex')}`, workers, log });
  console.log(`
Production shape running (Ctrl-C stops it):
  Temporal server   ${stack.address}, namespace ${stack.namespace}, task queue ${stack.taskQueue}
  PostgreSQL ${stack.postgres.major}     127.0.0.1:${stack.postgres.port}
  emulator          ${stack.emulator.baseUrl} (admin API under /_emulator)
  callbacks         ${stack.callbackUrl}
  workers           ${stack.workers.map((w) => `pid ${w.process.pid}`).join(', ')}
  logs              artifacts/production-shape/

  TEMPORAL_ADDRESS=${stack.address} npm run cli -- list
  TEMPORAL_ADDRESS=${stack.address} npm run cli -- demo --emulator ${stack.emulator.baseUrl} --callback-url ${stack.callbackUrl}
`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve).once('SIGTERM', resolve);
  });
  log(`${signal}: stopping`);
  await stack.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof PrerequisiteError) console.error(`[production-shape] missing on this machine:\n${err.message}`);
    else console.error(`[production-shape] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
