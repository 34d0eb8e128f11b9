/**
 * `npm run bench:emulator [-- --requests 20000 --concurrency 16 --payments 200]`: how fast the
 * emulator answers a mixed loopback load (GET payment, POST capture, GET captures list) from
 * concurrent clients. The emulator runs in its own process (the CLI), as in a user's CI, so the
 * load generator's CPU is not counted as the emulator's. Prints requests/second and p50/p99
 * latency, overall and per operation, then checks that the ledger holds exactly the captures that
 * were answered 200. `npm run bench` (P5) runs the same load, repeated.
 */
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { emulatorLoad, MIX, startEmulatorProcess, type Sample } from './support/emulator-load.js';
import { percentile } from './support/stats.js';

function options() {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '16' },
      payments: { type: 'string', default: '200' },
    },
  });
  const positive = (name: string, value: string) => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  return {
    requests: positive('requests', values.requests),
    concurrency: positive('concurrency', values.concurrency),
    payments: positive('payments', values.payments),
  };
}

function describe(label: string, samples: Sample[], seconds?: number): string {
  const ms = samples.map((sample) => sample.ms);
  const rate = seconds === undefined ? '' : `  ${(samples.length / seconds).toFixed(0)} req/s`;
  return `${label.padEnd(14)} n=${String(samples.length).padStart(6)}${rate}  p50 ${percentile(ms, 0.5).toFixed(2)} ms  p99 ${percentile(ms, 0.99).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const { requests, concurrency, payments } = options();
  const emulator = await startEmulatorProcess();
  try {
    const result = await emulatorLoad(emulator.baseUrl, { requests, concurrency, payments });
    console.log(
      `Swedbank Pay emulator benchmark (node ${process.version}, loopback, ${concurrency} concurrent clients)`,
    );
    console.log(`${requests} requests over ${payments} payments in ${result.seconds.toFixed(2)} s`);
    console.log(describe('all', result.samples, result.seconds));
    for (const operation of new Set(MIX)) {
      console.log(
        describe(
          operation,
          result.samples.filter((sample) => sample.operation === operation),
        ),
      );
    }
    console.log(
      `non-200 answers: ${result.failures}; captures answered 200: ${result.answeredCaptures}; in the ledger: ${result.committedCaptures}`,
    );
    assert.equal(result.failures, 0, 'every request succeeds');
    assert.equal(result.committedCaptures, result.answeredCaptures, 'the ledger holds exactly the answered captures');
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
