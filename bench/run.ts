/**
 * `npm run bench`: what a payment lifecycle costs through Temporal, against baselines measured in the
 * same run, on a Temporal dev server (or a server already running: --temporal-address) with the
 * emulator over HTTP (all on loopback; all stopped at the end, and on a running server a batch job
 * terminates every workflow the run started). Prints tables and writes every sample as JSON
 * (artifacts/bench.json).
 *
 *   P1  one lifecycle's wall time through the workflow vs the same Swedbank Pay requests made directly,
 *       at several emulated latencies (the emulator's latency fault on every /psp request)
 *   P2  lifecycles per second for N concurrent payments vs a bare workflow doing the same updates and
 *       no-op activities (the engine's ceiling on this server and machine)
 *   P3  history events and billable Temporal Cloud actions per lifecycle, by kind, against the floor;
 *       also one lifecycle with an asynchronous outcome and a retried request
 *   P4  memory: worker RSS per cached workflow (payment vs bare), and with N open payments the worker's
 *       and Temporal server's RSS and the latency of an update to a random payment, against as many open
 *       bare workflows updated the same way (the engine's own latency on this server and machine)
 *   P5  the emulator's requests per second
 *
 * Options (flag or environment variable): --reps BENCH_REPS (3), --latencies BENCH_LATENCIES
 * (0,50,150), --concurrency BENCH_CONCURRENCY (20), --cached BENCH_CACHED_WORKFLOWS (300),
 * --open BENCH_OPEN_PAYMENTS (1000), --updates BENCH_UPDATES (200), --emulator-requests
 * BENCH_EMULATOR_REQUESTS (5000), --only BENCH_ONLY (e.g. P1,P3), --out BENCH_OUT
 * (artifacts/bench.json), --temporal-address BENCH_TEMPORAL_ADDRESS with --temporal-namespace
 * BENCH_TEMPORAL_NAMESPACE (default) and --temporal-pid BENCH_TEMPORAL_PID (a running server instead
 * of a dev server, e.g. the production shape's, with the payment search attributes registered; its
 * pid for its CPU and memory). No figure here is asserted: they are measurements, not tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TEMPORAL_ADDRESS_PATTERN } from '../src/config/temporal.js';
import { SwedbankPayClient } from '../src/swedbank/client.js';
import { installQuietRuntime } from '../src/temporal/logging.js';
import { bareLifecycle, finishSignal, stepUpdate } from './support/bare-workflow.js';
import { emulatorLoad, startEmulatorProcess } from './support/emulator-load.js';
import { ACTION_KINDS, countHistory, floorOf, jsonHistory, type HistoryCount } from './support/history.js';
import {
  directLifecycle,
  newPayment,
  openPayment,
  OPERATIONS,
  workflowLifecycle,
  type NewPayment,
} from './support/lifecycles.js';
import {
  cpuMsOf,
  rssOf,
  startBenchStack,
  type BenchStack,
  type ExternalServer,
  type WorkerHandle,
} from './support/stack.js';
import { mib, percentile, showSpread, spread, table, type Spread } from './support/stats.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
/** The whole run stops itself after this long, whatever happens. */
const MAX_RUN_MS = 3 * 60 * 60 * 1000;
const PHASES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;

function options() {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string' },
      latencies: { type: 'string' },
      concurrency: { type: 'string' },
      cached: { type: 'string' },
      open: { type: 'string' },
      updates: { type: 'string' },
      'emulator-requests': { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      'temporal-address': { type: 'string' },
      'temporal-namespace': { type: 'string' },
      'temporal-pid': { type: 'string' },
    },
  });
  const env = process.env;
  const int = (name: string, flag: string | undefined, variable: string, fallback: number, min = 1) => {
    const raw = flag ?? env[variable];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min)
      throw new Error(`--${name} (${variable}) must be an integer >= ${min}`);
    return value;
  };
  const latencies = (values.latencies ?? env.BENCH_LATENCIES ?? '0,50,150').split(',').map((s) => Number(s.trim()));
  if (latencies.some((l) => !Number.isSafeInteger(l) || l < 0 || l > 10_000)) {
    throw new Error('--latencies (BENCH_LATENCIES) must be whole milliseconds from 0 to 10000, comma-separated');
  }
  const only = new Set(
    (values.only ?? env.BENCH_ONLY ?? PHASES.join(','))
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  );
  for (const p of only) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--only: unknown phase ${p}`);
  return {
    reps: int('reps', values.reps, 'BENCH_REPS', 3),
    latencies,
    concurrency: int('concurrency', values.concurrency, 'BENCH_CONCURRENCY', 20),
    cached: int('cached', values.cached, 'BENCH_CACHED_WORKFLOWS', 300),
    open: int('open', values.open, 'BENCH_OPEN_PAYMENTS', 1000),
    updates: int('updates', values.updates, 'BENCH_UPDATES', 200),
    emulatorRequests: int('emulator-requests', values['emulator-requests'], 'BENCH_EMULATOR_REQUESTS', 5000),
    only,
    out: resolve(values.out ?? env.BENCH_OUT ?? `${ROOT}/artifacts/bench.json`),
    server: externalServer(
      values['temporal-address'] ?? env.BENCH_TEMPORAL_ADDRESS,
      values['temporal-namespace'] ?? env.BENCH_TEMPORAL_NAMESPACE,
      int('temporal-pid', values['temporal-pid'], 'BENCH_TEMPORAL_PID', 0, 0),
    ),
  };
}

/** A running Temporal server to measure on instead of a dev server, when one is given. */
function externalServer(
  address: string | undefined,
  namespace: string | undefined,
  pid: number,
): ExternalServer | undefined {
  if (address === undefined || address === '') return undefined;
  if (!TEMPORAL_ADDRESS_PATTERN.test(address)) {
    throw new Error('--temporal-address (BENCH_TEMPORAL_ADDRESS) must be host:port');
  }
  if (namespace === '') throw new Error('--temporal-namespace (BENCH_TEMPORAL_NAMESPACE) must not be empty');
  return { address, namespace: namespace ?? 'default', ...(pid > 0 && { pid }) };
}

type Options = ReturnType<typeof options>;

const log = (line: string) => console.error(`[bench] ${line}`);

/** Runs `task` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await task(items[i]!, i);
    }),
  );
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function setLatency(stack: BenchStack, ms: number): Promise<void> {
  if (ms === 0) await stack.admin.clearFaults();
  else await stack.admin.setFaults([{ path: '^/psp/', fault: { kind: 'latency', ms } }]);
}

// ---------------------------------------------------------------------------------------------------
// P1: latency through the workflow vs direct

interface P1Row {
  latencyMs: number;
  workflowMs: Spread;
  directMs: Spread;
  /** Median through the workflow / median direct. */
  ratio: number;
  /** (workflow - direct) / operations, medians. */
  overheadPerOperationMs: number;
  /**
   * The bare workflow's start and six updates with no-op activities, no I/O: the engine's own round
   * trips, the part of the overhead no workflow code can remove on this server and machine.
   */
  engineMs: Spread;
  /** engineMs's median / operations: the engine's share of overheadPerOperationMs. */
  enginePerOperationMs: number;
  samples: { workflowMs: number[]; directMs: number[]; engineMs: number[] };
}

/** One bare lifecycle, timed, then finished so that it does not stay open. */
async function timedBareRun(client: Client, taskQueue: string): Promise<number> {
  let id = '';
  const ms = await timed(async () => (id = await bareRun(client, taskQueue)));
  await client.workflow.getHandle(id).signal(finishSignal);
  return ms;
}

async function p1(stack: BenchStack, worker: WorkerHandle, bare: WorkerHandle, o: Options): Promise<P1Row[]> {
  const client = new SwedbankPayClient({ baseUrl: stack.emulatorUrl, token: stack.token, timeoutMs: 30_000 });
  const rows: P1Row[] = [];
  try {
    for (const latencyMs of o.latencies) {
      log(`P1: latency ${latencyMs} ms`);
      await setLatency(stack, latencyMs);
      await workflowLifecycle(worker.payments, await newPayment(stack.admin, stack.callbackUrl));
      await directLifecycle(client, await newPayment(stack.admin, stack.callbackUrl));
      await timedBareRun(stack.client, bare.taskQueue);
      const workflowMs: number[] = [];
      const directMs: number[] = [];
      const engineMs: number[] = [];
      for (let r = 0; r < o.reps; r++) {
        const a = await newPayment(stack.admin, stack.callbackUrl);
        const b = await newPayment(stack.admin, stack.callbackUrl);
        const runWorkflow = async () => workflowMs.push(await timed(() => workflowLifecycle(worker.payments, a)));
        const runDirect = async () => directMs.push(await timed(() => directLifecycle(client, b)));
        if (r % 2 === 0) {
          await runWorkflow();
          await runDirect();
        } else {
          await runDirect();
          await runWorkflow();
        }
        await sleep(200); // callbacks of the last operation land outside the next measurement
        engineMs.push(await timedBareRun(stack.client, bare.taskQueue));
      }
      const w = spread(workflowMs);
      const d = spread(directMs);
      rows.push({
        latencyMs,
        workflowMs: w,
        directMs: d,
        ratio: w.median / d.median,
        overheadPerOperationMs: (w.median - d.median) / OPERATIONS,
        engineMs: spread(engineMs),
        enginePerOperationMs: spread(engineMs).median / OPERATIONS,
        samples: { workflowMs, directMs, engineMs },
      });
    }
  } finally {
    await stack.admin.clearFaults();
    client.close();
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// P2: throughput vs the engine's ceiling

/** CPU time per lifecycle (ms) by process: where the work goes. */
interface CpuPerLifecycle {
  worker: number;
  server: number;
  emulator: number;
  /** This process: the OMS clients and the callback receiver. */
  loadGenerator: number;
}

interface P2Result {
  concurrency: number;
  paymentPerSecond: Spread;
  barePerSecond: Spread;
  ratio: number;
  /** Medians over the rounds. */
  cpuMsPerLifecycle: { payment: CpuPerLifecycle; bare: CpuPerLifecycle };
  /**
   * The bare workflow's CPU per lifecycle (all processes) over the payment's: what the throughput ratio
   * tends to when every process shares the machine's cores; and the same with the payment's worker
   * costing what the bare one does (the most any worker-side saving could reach on this machine).
   */
  cpuRatio: { measured: number; withBareWorker: number };
  samples: { payment: number[]; bare: number[] };
}

/** Measures the CPU each process spends while `fn` runs `lifecycles` lifecycles. */
async function withCpu(
  stack: BenchStack,
  worker: WorkerHandle,
  lifecycles: number,
  fn: () => Promise<void>,
): Promise<CpuPerLifecycle> {
  const read = () => ({
    worker: cpuMsOf(worker.pid) ?? Number.NaN,
    server: stack.serverPid === undefined ? Number.NaN : (cpuMsOf(stack.serverPid) ?? Number.NaN),
    emulator: cpuMsOf(stack.emulatorPid) ?? Number.NaN,
    loadGenerator: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  });
  const before = read();
  await fn();
  const after = read();
  return {
    worker: (after.worker - before.worker) / lifecycles,
    server: (after.server - before.server) / lifecycles,
    emulator: (after.emulator - before.emulator) / lifecycles,
    loadGenerator: (after.loadGenerator - before.loadGenerator) / lifecycles,
  };
}

function totalCpu(c: CpuPerLifecycle): number {
  return c.worker + c.server + c.emulator + c.loadGenerator;
}

function cpuRatioOf(payment: CpuPerLifecycle, bare: CpuPerLifecycle): P2Result['cpuRatio'] {
  return {
    measured: totalCpu(bare) / totalCpu(payment),
    withBareWorker: totalCpu(bare) / totalCpu({ ...payment, worker: bare.worker }),
  };
}

function medianCpu(samples: CpuPerLifecycle[]): CpuPerLifecycle {
  const m = (k: keyof CpuPerLifecycle) => spread(samples.map((s) => s[k])).median;
  return { worker: m('worker'), server: m('server'), emulator: m('emulator'), loadGenerator: m('loadGenerator') };
}

/** A bare workflow started and given `steps` updates, as a payment gets its operations. */
async function bareWithSteps(client: Client, taskQueue: string, steps: number): Promise<string> {
  const handle = await client.workflow.start(bareLifecycle, { taskQueue, workflowId: `bare-${randomUUID()}` });
  for (let i = 0; i < steps; i++) await handle.executeUpdate(stepUpdate, { args: [i] });
  return handle.workflowId;
}

async function bareRun(client: Client, taskQueue: string): Promise<string> {
  return bareWithSteps(client, taskQueue, OPERATIONS);
}

async function p2(stack: BenchStack, worker: WorkerHandle, bare: WorkerHandle, o: Options): Promise<P2Result> {
  const n = o.concurrency;
  const payment: number[] = [];
  const bareRates: number[] = [];
  const paymentCpu: CpuPerLifecycle[] = [];
  const bareCpu: CpuPerLifecycle[] = [];
  const client = stack.client;
  // Warm-up of both.
  await Promise.all([
    workflowLifecycle(worker.payments, await newPayment(stack.admin, stack.callbackUrl)),
    bareRun(client, bare.taskQueue),
  ]);
  for (let r = 0; r < o.reps; r++) {
    log(`P2: ${n} concurrent lifecycles, round ${r + 1} of ${o.reps}`);
    const prepared: NewPayment[] = [];
    for (let i = 0; i < n; i++) prepared.push(await newPayment(stack.admin, stack.callbackUrl));
    const runPayments = async () => {
      let ms = 0;
      const cpu = await withCpu(stack, worker, n, async () => {
        ms = await timed(() => Promise.all(prepared.map((p) => workflowLifecycle(worker.payments, p))));
      });
      payment.push(n / (ms / 1000));
      paymentCpu.push(cpu);
    };
    const runBare = async () => {
      const ids: string[] = [];
      let ms = 0;
      const cpu = await withCpu(stack, bare, n, async () => {
        ms = await timed(() =>
          Promise.all(Array.from({ length: n }, async () => ids.push(await bareRun(client, bare.taskQueue)))),
        );
      });
      bareRates.push(n / (ms / 1000));
      bareCpu.push(cpu);
      await Promise.all(ids.map((id) => client.workflow.getHandle(id).signal(finishSignal)));
    };
    if (r % 2 === 0) {
      await runPayments();
      await sleep(1000);
      await runBare();
    } else {
      await runBare();
      await sleep(1000);
      await runPayments();
    }
    await sleep(1000);
  }
  const p = spread(payment);
  const b = spread(bareRates);
  const cpu = { payment: medianCpu(paymentCpu), bare: medianCpu(bareCpu) };
  return {
    concurrency: n,
    paymentPerSecond: p,
    barePerSecond: b,
    ratio: p.median / b.median,
    cpuMsPerLifecycle: cpu,
    cpuRatio: cpuRatioOf(cpu.payment, cpu.bare),
    samples: { payment, bare: bareRates },
  };
}

// ---------------------------------------------------------------------------------------------------
// P3: history events and billable actions

interface P3Result {
  callbacksSent: Spread;
  /** Start + OMS messages + one activity per operation + one signal per callback Swedbank Pay sent. */
  floor: Spread;
  billable: Spread;
  events: Spread;
  ratio: Spread;
  /** Against a floor that counts the callback signals in the history instead of the callbacks sent. */
  ratioToSignals: Spread;
  byKind: Record<string, Spread>;
  timersCancelled: Spread;
  workflowTasks: Spread;
  counts: HistoryCount[];
  withFaults?: LifecycleCount;
}

/**
 * Waits (bounded) until every callback the emulator sent for the payment was delivered or given up,
 * and says how many it sent.
 */
async function callbacksSettled(stack: BenchStack, paymentId: string): Promise<number> {
  let sent = 0;
  for (let i = 0; i < 100; i++) {
    const entries = (await stack.admin.callbacks()).filter((c) => c.body.payment.id === paymentId);
    const pending = new Set(entries.map((e) => e.callbackId));
    sent = pending.size;
    for (const e of entries) {
      if ((e.event === 'attempt' && e.delivered) || e.event === 'gave-up' || e.event === 'dropped') {
        pending.delete(e.callbackId);
      }
    }
    if (entries.length > 0 && pending.size === 0) return sent;
    await sleep(100);
  }
  log(`P3: callbacks of ${paymentId} not all settled after 10 s; counting what is there`);
  return sent;
}

interface LifecycleCount {
  count: HistoryCount;
  /** Callbacks Swedbank Pay (the emulator) sent about the payment, each one in the floor. */
  callbacksSent: number;
  floor: number;
}

async function countLifecycle(stack: BenchStack, worker: WorkerHandle, p: NewPayment): Promise<LifecycleCount> {
  const callbacksSent = await callbacksSettled(stack, p.paymentId);
  // The callback receiver folds a payment's callbacks into one signal per second (a trailing one at
  // the window's end): wait that out before counting.
  await sleep(1_500);
  const count = countHistory(jsonHistory(await worker.payments.handle(p.paymentId).fetchHistory()));
  return { count, callbacksSent, floor: floorOf(count, OPERATIONS, callbacksSent) };
}

async function p3(stack: BenchStack, worker: WorkerHandle, o: Options): Promise<P3Result> {
  const lifecycles: LifecycleCount[] = [];
  for (let r = 0; r < o.reps; r++) {
    log(`P3: lifecycle ${r + 1} of ${o.reps}`);
    const p = await newPayment(stack.admin, stack.callbackUrl);
    await workflowLifecycle(worker.payments, p);
    lifecycles.push(await countLifecycle(stack, worker, p));
  }
  // The same lifecycle with Swedbank Pay being slow and failing once: the first capture's outcome is
  // known only after a second (Initialized, then a callback), the first reversal meets a 503 and is retried.
  log('P3: lifecycle with an asynchronous outcome and a retried request');
  let withFaults: LifecycleCount | undefined;
  try {
    await stack.admin.setOutcomes([{ operation: 'capture', outcome: 'Completed', delayMs: 1_000, times: 1 }]);
    await stack.admin.setFaults([{ operation: 'reversal', fault: { kind: 'status', status: 503 }, times: 1 }]);
    const p = await newPayment(stack.admin, stack.callbackUrl);
    await workflowLifecycle(worker.payments, p);
    withFaults = await countLifecycle(stack, worker, p);
  } finally {
    await stack.admin.setOutcomes([]);
    await stack.admin.clearFaults();
  }
  const counts = lifecycles.map((l) => l.count);
  return {
    callbacksSent: spread(lifecycles.map((l) => l.callbacksSent)),
    floor: spread(lifecycles.map((l) => l.floor)),
    billable: spread(counts.map((c) => c.billable)),
    events: spread(counts.map((c) => c.events)),
    ratio: spread(lifecycles.map((l) => l.count.billable / l.floor)),
    ratioToSignals: spread(lifecycles.map((l) => l.count.billable / floorWithSignals(l))),
    byKind: Object.fromEntries(ACTION_KINDS.map((k) => [k, spread(counts.map((c) => c.actions[k]))])),
    timersCancelled: spread(counts.map((c) => c.timersCancelled)),
    workflowTasks: spread(counts.map((c) => c.workflowTasks)),
    counts,
    withFaults,
  };
}

/** The floor as if each callback signal in the history were one callback: the stricter comparison. */
function floorWithSignals(l: LifecycleCount): number {
  return floorOf(l.count, OPERATIONS, l.count.actions['callback signals']);
}

// ---------------------------------------------------------------------------------------------------
// P4: memory

interface P4Cached {
  workflows: number;
  paymentKiB: Spread;
  bareKiB: Spread;
  ratio: number;
  samples: { paymentKiB: number[]; bareKiB: number[] };
}

/** One kind of workflow held open by the thousand on one worker, then updated at random. */
interface OpenRun {
  openedPerSecond: number;
  workerRssMiB: { before: number; open: number; afterUpdates: number };
  /** The Temporal server's RSS once these are open (the bare ones open first, so this includes them). */
  serverRssMiB: number | undefined;
  updateMs: { p50: number; p99: number; spread: Spread };
  updateSamplesMs: number[];
}

interface P4Open {
  openPayments: number;
  settings: Record<string, unknown>;
  /** The bare workflow, as many open on the same server with the same settings: the engine's own latency. */
  bare: OpenRun;
  payment: OpenRun;
  /** Payment / bare, update latency percentiles. */
  ratio: { p50: number; p99: number };
}

/** Resident memory after it settles: the median of a few readings. */
async function settledRss(worker: WorkerHandle): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(400);
    readings.push((await worker.memory()).rss);
  }
  return spread(readings).median;
}

async function openBare(client: Client, taskQueue: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    16,
    async () => {
      ids.push(await bareWithSteps(client, taskQueue, 1));
    },
  );
  return ids;
}

async function openPayments(stack: BenchStack, worker: WorkerHandle, count: number): Promise<NewPayment[]> {
  const opened: NewPayment[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    16,
    async () => {
      const p = await newPayment(stack.admin, undefined);
      await openPayment(worker.payments, p);
      opened.push(p);
    },
  );
  return opened;
}

async function p4Cached(stack: BenchStack, o: Options): Promise<P4Cached> {
  const k = o.cached;
  const paymentKiB: number[] = [];
  const bareKiB: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    for (const kind of r % 2 === 0 ? (['payment', 'bare'] as const) : (['bare', 'payment'] as const)) {
      log(`P4: ${k} cached ${kind} workflows, round ${r + 1} of ${o.reps}`);
      const worker = await stack.startWorker(kind, { maxCachedWorkflows: k + 200 });
      try {
        const open = (count: number) =>
          kind === 'payment' ? openPayments(stack, worker, count) : openBare(stack.client, worker.taskQueue, count);
        await open(20);
        const before = await settledRss(worker);
        await open(k);
        const after = await settledRss(worker);
        (kind === 'payment' ? paymentKiB : bareKiB).push((after - before) / k / 1024);
      } finally {
        await worker.stop();
      }
    }
  }
  const p = spread(paymentKiB);
  const b = spread(bareKiB);
  return { workflows: k, paymentKiB: p, bareKiB: b, ratio: p.median / b.median, samples: { paymentKiB, bareKiB } };
}

/**
 * Opens `n` workflows of one kind on `worker` (a fresh one, shipped settings), then sends `updates`
 * updates one at a time, each to a random one of them (with more open than the cache holds, most
 * are replayed first).
 */
async function openAndUpdate<T>(
  stack: BenchStack,
  worker: WorkerHandle,
  n: number,
  updates: number,
  open: (count: number) => Promise<T[]>,
  update: (item: T, u: number) => Promise<unknown>,
): Promise<OpenRun> {
  const before = await settledRss(worker);
  const started = performance.now();
  const opened = await open(n);
  const openedPerSecond = n / ((performance.now() - started) / 1000);
  await sleep(2_000);
  const openRss = await settledRss(worker);
  const server = stack.serverPid === undefined ? undefined : rssOf(stack.serverPid);
  const samples: number[] = [];
  for (let u = 0; u < updates; u++) {
    const item = opened[Math.floor(Math.random() * opened.length)]!;
    samples.push(await timed(() => update(item, u)));
  }
  const afterUpdates = await settledRss(worker);
  return {
    openedPerSecond,
    workerRssMiB: { before: mib(before), open: mib(openRss), afterUpdates: mib(afterUpdates) },
    serverRssMiB: server === undefined ? undefined : mib(server),
    updateMs: { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), spread: spread(samples) },
    updateSamplesMs: samples,
  };
}

async function p4Open(stack: BenchStack, o: Options): Promise<P4Open> {
  const n = o.open;
  const client = stack.client;
  // The baseline first, so that the payments' figures are taken on the busier server.
  const bareWorker = await stack.startWorker('bare');
  let bare: OpenRun;
  try {
    log(`P4: opening ${n} bare workflows (started, one update each), then ${o.updates} updates at random`);
    bare = await openAndUpdate(
      stack,
      bareWorker,
      n,
      o.updates,
      (count) => openBare(client, bareWorker.taskQueue, count),
      (id, u) => client.workflow.getHandle(id).executeUpdate(stepUpdate, { args: [u] }),
    );
  } finally {
    await bareWorker.stop();
  }
  const worker = await stack.startWorker('payment');
  try {
    log(
      `P4: opening ${n} payments (authorized, captured in full, in their reversal window), then ${o.updates} updates`,
    );
    const payment = await openAndUpdate(
      stack,
      worker,
      n,
      o.updates,
      (count) => openPayments(stack, worker, count),
      (p, u) => worker.payments.reverse(p.paymentId, { amount: 1, vatAmount: 0, reference: `U${u}` }),
    );
    return {
      openPayments: n,
      settings: worker.settings,
      bare,
      payment,
      ratio: {
        p50: payment.updateMs.p50 / bare.updateMs.p50,
        p99: payment.updateMs.p99 / bare.updateMs.p99,
      },
    };
  } finally {
    await worker.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
// P5: the emulator

interface P5Result {
  requestsPerSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  failures: number;
}

async function p5(o: Options): Promise<P5Result> {
  const emulator = await startEmulatorProcess();
  const rates: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  let failures = 0;
  try {
    for (let r = 0; r < o.reps; r++) {
      log(`P5: emulator load, round ${r + 1} of ${o.reps}`);
      const result = await emulatorLoad(emulator.baseUrl, {
        requests: o.emulatorRequests,
        concurrency: 16,
        payments: 200,
      });
      const ms = result.samples.map((s) => s.ms);
      rates.push(result.samples.length / result.seconds);
      p50.push(percentile(ms, 0.5));
      p99.push(percentile(ms, 0.99));
      failures += result.failures + Math.abs(result.answeredCaptures - result.committedCaptures);
    }
  } finally {
    await emulator.stop();
  }
  return { requestsPerSecond: spread(rates), p50Ms: spread(p50), p99Ms: spread(p99), failures };
}

// ---------------------------------------------------------------------------------------------------

interface Results {
  meta: Record<string, unknown>;
  P1?: P1Row[];
  P2?: P2Result;
  P3?: P3Result;
  P4?: { cached?: P4Cached; open?: P4Open };
  P5?: P5Result;
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} (src modified)` : head;
  } catch {
    return 'unknown';
  }
}

function report(results: Results): string {
  const out: string[] = [];
  const m = results.meta;
  out.push(
    `swedbank-pay-temporal benchmark: ${String(m.commit)}, node ${String(m.node)}, ${String(m.cpus)} CPUs, ` +
      `${String(m.memoryGiB)} GiB; figures are min / median / max of ${String(m.reps)} repetitions` +
      (typeof m.server === 'string' ? `; on ${m.server}` : ''),
  );
  if (results.P1) {
    out.push('', 'P1  one lifecycle (start + 6 operations), wall time in ms: through the workflow vs direct');
    out.push(
      table(
        [
          'emulated latency',
          'workflow',
          'direct',
          'ratio (medians)',
          'overhead per operation',
          'of which the engine (bare workflow, no I/O)',
        ],
        results.P1.map((r) => [
          `${r.latencyMs} ms`,
          showSpread(r.workflowMs, 0),
          showSpread(r.directMs, 0),
          r.ratio.toFixed(2),
          `${r.overheadPerOperationMs.toFixed(1)} ms`,
          `${r.enginePerOperationMs.toFixed(1)} ms`,
        ]),
      ),
    );
  }
  if (results.P2) {
    const r = results.P2;
    out.push('', `P2  lifecycles per second, ${r.concurrency} at once (emulator latency 0)`);
    out.push(
      table(
        ['payment lifecycles/s', 'bare workflow lifecycles/s (ceiling)', 'ratio (medians)'],
        [[showSpread(r.paymentPerSecond, 1), showSpread(r.barePerSecond, 1), r.ratio.toFixed(2)]],
      ),
    );
    const cpu = (c: CpuPerLifecycle) =>
      [c.worker, c.server, c.emulator, c.loadGenerator, totalCpu(c)].map((v) =>
        Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a',
      );
    out.push(
      '',
      'P2  CPU time per lifecycle by process (medians of the rounds)',
      table(
        ['lifecycle', 'worker', 'Temporal server', 'emulator', 'clients and callback receiver', 'all'],
        [
          ['payment', ...cpu(r.cpuMsPerLifecycle.payment)],
          ['bare workflow', ...cpu(r.cpuMsPerLifecycle.bare)],
        ],
      ),
      '',
      Number.isFinite(r.cpuRatio.measured)
        ? `CPU per lifecycle, bare / payment: ${r.cpuRatio.measured.toFixed(2)}; with a payment worker as cheap ` +
            `as the bare one: ${r.cpuRatio.withBareWorker.toFixed(2)} (where the throughput ratio tends while ` +
            'every process shares these cores)'
        : 'CPU per lifecycle, bare / payment: n/a (the server process is not on this machine)',
    );
  }
  if (results.P3) {
    const r = results.P3;
    out.push('', 'P3  per lifecycle: history events and billable actions (Temporal Cloud), by kind');
    const rows = ACTION_KINDS.map((k) => [k, showSpread(r.byKind[k]!, 0)]);
    rows.push(['billable actions', showSpread(r.billable, 0)]);
    rows.push(['callbacks Swedbank Pay sent', showSpread(r.callbacksSent, 0)]);
    rows.push(['floor (start + 6 messages + 6 activities + one signal per callback sent)', showSpread(r.floor, 0)]);
    rows.push(['billable / floor', showSpread(r.ratio, 2)]);
    rows.push(['billable / floor counting the callback signals instead', showSpread(r.ratioToSignals, 2)]);
    rows.push(['history events', showSpread(r.events, 0)]);
    rows.push(['(not billable) timers cancelled', showSpread(r.timersCancelled, 0)]);
    rows.push(['(not billable) workflow tasks', showSpread(r.workflowTasks, 0)]);
    if (r.withFaults) {
      const f = r.withFaults;
      rows.push([
        'with an async outcome and a retry: billable / floor',
        `${f.count.billable} / ${f.floor} = ${(f.count.billable / f.floor).toFixed(2)} (${f.count.events} events, ` +
          `${f.count.actions['timers started']} timers, ${f.count.actions['activities scheduled']} activities, ` +
          `${f.count.actions['activity retries']} retries, ${f.callbacksSent} callbacks sent)`,
      ]);
    }
    out.push(table(['kind', 'count'], rows));
  }
  if (results.P4?.cached) {
    const r = results.P4.cached;
    out.push('', `P4  worker RSS per cached workflow (${r.workflows} workflows kept in the cache), KiB`);
    out.push(
      table(
        ['payment workflow', 'bare workflow', 'ratio (medians)'],
        [[showSpread(r.paymentKiB, 0), showSpread(r.bareKiB, 0), r.ratio.toFixed(2)]],
      ),
    );
  }
  if (results.P4?.open) {
    const r = results.P4.open;
    out.push(
      '',
      `P4  ${r.openPayments} open workflows on one worker (shipped settings: ${JSON.stringify(r.settings)}); ` +
        'the bare workflow first, as many, on the same server',
    );
    const row = (name: string, x: OpenRun) => [
      name,
      `${x.openedPerSecond.toFixed(1)}/s`,
      `${x.workerRssMiB.before.toFixed(0)} MiB`,
      `${x.workerRssMiB.open.toFixed(0)} MiB`,
      `${x.workerRssMiB.afterUpdates.toFixed(0)} MiB`,
      x.serverRssMiB === undefined ? 'n/a' : `${x.serverRssMiB.toFixed(0)} MiB`,
      `${x.updateMs.p50.toFixed(1)} ms`,
      `${x.updateMs.p99.toFixed(1)} ms`,
      showSpread(x.updateMs.spread, 1, ' ms'),
    ];
    out.push(
      table(
        [
          'workflow',
          'opened',
          'worker RSS idle',
          'worker RSS open',
          'after updates',
          'Temporal server RSS',
          'update p50',
          'update p99',
          'update min / median / max',
        ],
        [
          row('bare', r.bare),
          row('payment', r.payment),
          ['payment / bare', '', '', '', '', '', r.ratio.p50.toFixed(2), r.ratio.p99.toFixed(2), ''],
        ],
      ),
    );
  }
  if (results.P5) {
    const r = results.P5;
    out.push('', 'P5  the emulator alone (16 concurrent clients, mixed GET/POST, its own process)');
    out.push(
      table(
        ['requests/s', 'p50 ms', 'p99 ms', 'failures'],
        [[showSpread(r.requestsPerSecond, 0), showSpread(r.p50Ms, 2), showSpread(r.p99Ms, 2), String(r.failures)]],
      ),
    );
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const o = options();
  installQuietRuntime();
  const watchdog = setTimeout(() => {
    console.error('[bench] stopped: over its time limit');
    process.exit(3);
  }, MAX_RUN_MS);
  watchdog.unref();
  const results: Results = {
    meta: {
      commit: gitCommit(),
      node: process.version,
      cpus: cpus().length,
      memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
      reps: o.reps,
      options: { ...o, only: [...o.only] },
      startedAt: new Date().toISOString(),
    },
  };
  const stack = await startBenchStack({ maxLifetimeMs: MAX_RUN_MS, log, ...(o.server && { server: o.server }) });
  results.meta.server = stack.server;
  const stop = () => void stack.stop().then(() => process.exit(130));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    if (o.only.has('P1') || o.only.has('P2') || o.only.has('P3')) {
      const worker = await stack.startWorker('payment');
      const bare = await stack.startWorker('bare');
      results.meta.workerSettings = worker.settings;
      try {
        if (o.only.has('P1')) results.P1 = await p1(stack, worker, bare, o);
        if (o.only.has('P3')) results.P3 = await p3(stack, worker, o);
        if (o.only.has('P2')) results.P2 = await p2(stack, worker, bare, o);
      } finally {
        await worker.stop();
        await bare.stop();
      }
    }
    if (o.only.has('P4')) {
      results.P4 = {};
      results.P4.cached = await p4Cached(stack, o);
      results.P4.open = await p4Open(stack, o);
    }
  } finally {
    await stack.stop();
  }
  if (o.only.has('P5')) results.P5 = await p5(o);
  results.meta.finishedAt = new Date().toISOString();
  console.log(report(results));
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nall samples: ${o.out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
