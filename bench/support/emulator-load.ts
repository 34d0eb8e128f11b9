/**
 * A mixed loopback load on the emulator (GET payment, POST capture, GET payment, GET captures list)
 * from concurrent clients: what `npm run bench:emulator` and the benchmark's P5 measure.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { LedgerEntry } from '../../src/emulator/index.js';
import { PaymentResponse } from '../../src/swedbank/schemas.js';

export type OperationName = 'get-payment' | 'capture' | 'list-captures';
/** Two reads of the payment per capture and list read: a client polling its payments. */
export const MIX: OperationName[] = ['get-payment', 'capture', 'get-payment', 'list-captures'];
const WARMUP_REQUESTS = 500;

export interface Sample {
  operation: OperationName;
  ms: number;
  status: number;
}

export interface EmulatorProcess {
  baseUrl: string;
  stop(): Promise<void>;
}

/** Starts the CLI's `emulator` command on a free port and reads its base URL from the first line. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
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
    private readonly run: string,
  ) {}

  async start(concurrency: number): Promise<Sample[]> {
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
                transaction: {
                  amount: 1,
                  vatAmount: 0,
                  description: 'Bench capture',
                  payeeReference: `B${this.run}${index}`,
                },
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

export interface LoadResult {
  seconds: number;
  samples: Sample[];
  failures: number;
  answeredCaptures: number;
  committedCaptures: number;
}

let runs = 0;

/**
 * One measured run on a running emulator (without a bearer token): a warm-up, a reset, fresh
 * payments, then `requests` requests from `concurrency` clients.
 */
export async function emulatorLoad(
  baseUrl: string,
  { requests, concurrency, payments }: { requests: number; concurrency: number; payments: number },
): Promise<LoadResult> {
  const run = String(++runs);
  const paymentIds = await createPayments(baseUrl, payments);
  await new LoadGenerator(baseUrl, paymentIds, WARMUP_REQUESTS, `${run}W`).start(concurrency);
  await fetch(`${baseUrl}/_emulator/reset`, { method: 'POST' }).then((response) => response.arrayBuffer());
  const freshIds = await createPayments(baseUrl, payments);

  const started = performance.now();
  const samples = await new LoadGenerator(baseUrl, freshIds, requests, run).start(concurrency);
  const seconds = (performance.now() - started) / 1000;

  const ledgerResponse = await fetch(`${baseUrl}/_emulator/ledger`);
  const ledger = ((await ledgerResponse.json()) as { payments: LedgerEntry[] }).payments.flatMap(
    (payment) => payment.transactions,
  );
  return {
    seconds,
    samples,
    failures: samples.filter((sample) => sample.status !== 200).length,
    committedCaptures: ledger.filter((t) => t.type === 'Capture' && t.state === 'Completed').length,
    answeredCaptures: samples.filter((s) => s.operation === 'capture' && s.status === 200).length,
  };
}
