/**
 * `npm run bench:emulator [-- --requests 20000 --concurrency 16 --payments 200]`: how fast the
 * emulator answers a mixed loopback load (GET payment, POST capture, GET captures list) from
 * concurrent clients. The emulator runs in its own process (the CLI), as in a user's CI, so the
 * load generator's CPU is not counted as the emulator's. Prints requests/second and p50/p99
 * latency, overall and per operation, then checks that the ledger holds exactly the captures that
 * were answered 200.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { LedgerEntry } from '../src/emulator/index.js';
import { PaymentResponse } from '../src/swedbank/schemas.js';

type OperationName = 'get-payment' | 'capture' | 'list-captures';
/** Two reads of the payment per capture and list read: a client polling its payments. */
const MIX: OperationName[] = ['get-payment', 'capture', 'get-payment', 'list-captures'];
const WARMUP_REQUESTS = 500;

interface Sample {
  operation: OperationName;
  ms: number;
  status: number;
}

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

interface EmulatorProcess {
  baseUrl: string;
  stop(): Promise<void>;
}

/** Starts the CLI's `emulator` command on a free port and reads its base URL from the first line. */
async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const cli = new URL('../src/cli/main.ts', import.meta.url).pathname;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'emulator', '--port', '0', '--seed', '1'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const baseUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
    if (baseUrl === undefined) continue;
    return {
      baseUrl,
      async stop() {
        child.kill('SIGTERM');
        await exited;
      },
    };
  }
  throw new Error('the emulator exited before printing its base URL');
}

async function createPayments(baseUrl: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(`${baseUrl}/_emulator/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instrument: 'creditcard', amount: 1_000_000_000, vatAmount: 0, currency: 'SEK' }),
    });
    assert.equal(response.status, 201);
    ids.push(PaymentResponse.parse(await response.json()).payment.id);
  }
  return ids;
}

class LoadGenerator {
  private nextIndex = 0;
  private readonly samples: Sample[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly paymentIds: string[],
    private readonly total: number,
  ) {}

  async run(concurrency: number): Promise<Sample[]> {
    await Promise.all(Array.from({ length: concurrency }, () => this.client()));
    return this.samples;
  }

  private async client(): Promise<void> {
    for (let index = this.nextIndex++; index < this.total; index = this.nextIndex++) {
      const operation = MIX[index % MIX.length] ?? 'get-payment';
      const paymentId = this.paymentIds[Math.floor(index / MIX.length) % this.paymentIds.length] ?? '';
      const started = performance.now();
      const status = await this.send(operation, paymentId, index);
      this.samples.push({ operation, ms: performance.now() - started, status });
    }
  }

  private async send(operation: OperationName, paymentId: string, index: number): Promise<number> {
    const request =
      operation === 'capture'
        ? {
            url: `${this.baseUrl}${paymentId}/captures`,
            init: {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                transaction: { amount: 1, vatAmount: 0, description: 'Bench capture', payeeReference: `B${index}` },
              }),
            },
          }
        : {
            url: `${this.baseUrl}${paymentId}${operation === 'list-captures' ? '/captures' : ''}`,
            init: { method: 'GET' },
          };
    const response = await fetch(request.url, request.init);
    await response.arrayBuffer();
    return response.status;
  }
}

function percentile(sortedMs: number[], fraction: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.min(sortedMs.length - 1, Math.ceil(fraction * sortedMs.length) - 1);
  return sortedMs[Math.max(0, rank)] ?? Number.NaN;
}

function describe(label: string, samples: Sample[], seconds?: number): string {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  const rate = seconds === undefined ? '' : `  ${(samples.length / seconds).toFixed(0)} req/s`;
  return `${label.padEnd(14)} n=${String(samples.length).padStart(6)}${rate}  p50 ${percentile(sorted, 0.5).toFixed(2)} ms  p99 ${percentile(sorted, 0.99).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const { requests, concurrency, payments } = options();
  const emulator = await startEmulatorProcess();
  try {
    const paymentIds = await createPayments(emulator.baseUrl, payments);
    await new LoadGenerator(emulator.baseUrl, paymentIds, WARMUP_REQUESTS).run(concurrency);
    await fetch(`${emulator.baseUrl}/_emulator/reset`, { method: 'POST' }).then((response) => response.arrayBuffer());
    const freshIds = await createPayments(emulator.baseUrl, payments);

    const started = performance.now();
    const samples = await new LoadGenerator(emulator.baseUrl, freshIds, requests).run(concurrency);
    const seconds = (performance.now() - started) / 1000;

    const failures = samples.filter((sample) => sample.status !== 200);
    const ledgerResponse = await fetch(`${emulator.baseUrl}/_emulator/ledger`);
    const ledger = ((await ledgerResponse.json()) as { payments: LedgerEntry[] }).payments.flatMap(
      (payment) => payment.transactions,
    );
    const committedCaptures = ledger.filter((t) => t.type === 'Capture' && t.state === 'Completed').length;
    const answeredCaptures = samples.filter((s) => s.operation === 'capture' && s.status === 200).length;

    console.log(
      `Swedbank Pay emulator benchmark (node ${process.version}, loopback, ${concurrency} concurrent clients)`,
    );
    console.log(`${requests} requests over ${payments} payments in ${seconds.toFixed(2)} s`);
    console.log(describe('all', samples, seconds));
    for (const operation of new Set(MIX)) {
      console.log(
        describe(
          operation,
          samples.filter((sample) => sample.operation === operation),
        ),
      );
    }
    console.log(
      `non-200 answers: ${failures.length}; captures answered 200: ${answeredCaptures}; in the ledger: ${committedCaptures}`,
    );
    assert.equal(failures.length, 0, 'every request succeeds');
    assert.equal(committedCaptures, answeredCaptures, 'the ledger holds exactly the answered captures');
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
