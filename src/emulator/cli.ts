/**
 * `npm run emulator -- [--port 8088] [--seed N] [--token T]`: runs the Swedbank Pay emulator until
 * Ctrl-C or SIGTERM, e.g. as a service in a user's CI.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, startEmulator } from './server.js';

const USAGE = `Usage: node --import tsx src/emulator/cli.ts [options]

A stateful Swedbank Pay emulator on 127.0.0.1 (Swedbank Pay API under /psp, admin API under /_emulator).

Options:
  --port <n>    port to listen on (default 8088; 0 picks a free one)
  --seed <n>    seed of request and callback faults (default ${DEFAULT_SEED})
  --token <t>   require "Authorization: Bearer <t>" on every /psp request
  --help        show this help
`;

class UsageError extends Error {
  override name = 'UsageError';
}

function parseInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return parsed;
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<void> {
  const { values } = parseOptions();
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const seed = parseInteger('seed', values.seed, DEFAULT_SEED);
  const emulator = await startEmulator({
    port: parseInteger('port', values.port, 8088),
    seed,
    token: values.token,
  });
  console.log(
    `Swedbank Pay emulator: ${emulator.baseUrl} (seed ${seed}${values.token ? ', bearer token required' : ''})`,
  );
  console.log(`Admin API:             ${emulator.baseUrl}/_emulator`);
  console.log('Press Ctrl-C to stop.');
  const stop = () => {
    emulator.close().then(
      () => {
        console.log('Emulator stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof UsageError) process.stderr.write(USAGE);
  process.exit(1);
});
