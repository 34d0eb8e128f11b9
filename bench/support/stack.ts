/**
 * The benchmark's stack, all on loopback and all stopped at the end: a Temporal dev server (or a
 * Temporal server already running, such as `npm run production-shape`'s), the Swedbank Pay emulator in
 * its own process, the callback receiver (in this process, signalling workflows as in production), and
 * workers in their own processes (the package's payment worker, and a bare workflow's worker for the
 * engine's ceiling). Every wait is bounded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createCallbackHandler } from '../../src/callbacks/handler.js';
import { PaymentsClient } from '../../src/client/payments-client.js';
import { EmulatorAdmin } from '../../src/emulator/admin-client.js';
import { quietBundlerLogger } from '../../src/temporal/logging.js';
import { startDevServer } from '../../src/temporal/servers.js';
import * as workerModule from '../../src/worker.js';
import type { WorkerProcessConfig, WorkerProcessMessage } from './worker-process.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const READY_TIMEOUT_MS = 120_000;

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Asks the child something and waits (bounded) for its answer of the given type. */
  ask<T extends { type: string }>(message: { type: string }, answer: T['type']): Promise<T>;
  stop(): Promise<void>;
}

async function startChild(script: string, env: Record<string, string>): Promise<{ child: Child; ready: unknown }> {
  const child = fork(join(HERE, script), [], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CHILD_EXEC_ARGV ?? '').split(' ').filter(Boolean)],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const ready = await new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} not ready in ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.on('message', function onMessage(message: { type?: string; message?: string }) {
      if (message.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${script}: ${message.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready`));
    });
  });
  return {
    ready,
    child: {
      process: child,
      pid: child.pid!,
      ask<T extends { type: string }>(message: { type: string }, answer: string): Promise<T> {
        return new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${script}: no ${answer} answer`)), 30_000);
          child.on('message', function onMessage(m: { type?: string }) {
            if (m.type !== answer) return;
            clearTimeout(timer);
            child.off('message', onMessage);
            resolve(m as T);
          });
          child.send(message);
        });
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.send({ type: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      },
    },
  };
}

/**
 * How the package bundles its workflows (`workflowBundleOptions`), looked up at run time so that the
 * same benchmark also measures a version of the code from before it preloaded its modules.
 */
function paymentBundleOptions(): { workflowsPath: string; preloadModules?: string[] } {
  const options = (workerModule as Record<string, unknown>).workflowBundleOptions as
    (() => { workflowsPath: string; preloadModules: string[] }) | undefined;
  return options ? options() : { workflowsPath: workerModule.workflowsPath() };
}

/** Resident memory of any process of this machine, from /proc (Linux); undefined elsewhere. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, ms) a process of this machine has used so far, from /proc (Linux). */
export function cpuMsOf(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times, is 100 on every platform Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The dev server's process: the one whose command line names its port. */
function devServerPid(port: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('start-dev') && args.includes(port)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export interface WorkerHandle extends Child {
  taskQueue: string;
  settings: Record<string, unknown>;
  /** The OMS client API, starting payments on this worker's task queue. */
  payments: PaymentsClient;
  memory(): Promise<{ rss: number; heapUsed: number }>;
}

export interface BenchStack {
  client: Client;
  address: string;
  /** Which Temporal server the figures are from. */
  server: string;
  /** The Temporal server's process, for its CPU and memory; undefined when not known. */
  serverPid: number | undefined;
  emulatorPid: number;
  admin: EmulatorAdmin;
  emulatorUrl: string;
  token: string;
  callbackUrl: string;
  paymentBundle: string;
  bareBundle: string;
  /** A worker process of the given kind on a fresh task queue. */
  startWorker(kind: 'payment' | 'bare', overrides?: WorkerProcessConfig['overrides']): Promise<WorkerHandle>;
  stop(): Promise<void>;
}

/** A Temporal server that is already running, with this package's search attributes registered. */
export interface ExternalServer {
  address: string;
  namespace: string;
  /** Its process on this machine, when its CPU and memory should be read. */
  pid?: number;
}

export interface StackOptions {
  /** Dynamic config of the dev server. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Use this server instead of starting a dev server. */
  server?: ExternalServer;
  maxLifetimeMs: number;
  log: (line: string) => void;
}

/** Terminates, in one batch job, every workflow still running on the run's task queues. */
async function terminateRun(
  client: Client,
  namespace: string,
  taskQueues: string[],
  log: (line: string) => void,
): Promise<void> {
  if (taskQueues.length === 0) return;
  const jobId = `bench-cleanup-${randomUUID()}`;
  const queues = taskQueues.map((q) => `'${q}'`).join(', ');
  await client.connection.withDeadline(Date.now() + 30_000, () =>
    client.workflowService.startBatchOperation({
      namespace,
      jobId,
      reason: 'benchmark finished',
      visibilityQuery: `ExecutionStatus = 'Running' AND TaskQueue IN (${queues})`,
      terminationOperation: { identity: 'bench' },
    }),
  );
  log(`terminating the run's open workflows (batch job ${jobId})`);
}

/** The Temporal server of the run: the one given, or a dev server started (and stopped) here. */
async function connectServer(
  options: StackOptions,
  cleanups: (() => Promise<void> | void)[],
): Promise<{ client: Client; address: string; namespace: string; server: string; pid: number | undefined }> {
  const external = options.server;
  if (external) {
    options.log(`using the Temporal server at ${external.address}, namespace ${external.namespace}`);
    const connection = await Connection.connect({ address: external.address, connectTimeout: 10_000 });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: external.namespace });
    const { serverVersion } = await connection.withDeadline(Date.now() + 10_000, () =>
      connection.workflowService.getSystemInfo({}),
    );
    return {
      client,
      address: external.address,
      namespace: external.namespace,
      server: `Temporal server ${serverVersion || '(version not given)'} at ${external.address}`,
      pid: external.pid,
    };
  }
  options.log('starting the Temporal dev server');
  const env = await startDevServer({ dynamicConfig: options.dynamicConfig ?? {}, log: () => undefined });
  cleanups.push(() => env.teardown());
  const address = env.connection.options.address;
  return {
    client: env.client,
    address,
    namespace: env.namespace ?? 'default',
    server: 'the Temporal dev server',
    pid: devServerPid(address.split(':').at(-1)!),
  };
}

export async function startBenchStack(options: StackOptions): Promise<BenchStack> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => undefined);
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'swedbank-pay-bench-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    options.log('bundling the payment workflow and the bare workflow');
    const paymentBundle = join(dir, 'payment-bundle.js');
    const bareBundle = join(dir, 'bare-bundle.js');
    const [payment, bare] = await Promise.all([
      bundleWorkflowCode({ ...paymentBundleOptions(), logger: quietBundlerLogger }),
      bundleWorkflowCode({ workflowsPath: join(HERE, 'bare-workflow.ts'), logger: quietBundlerLogger }),
    ]);
    writeFileSync(paymentBundle, payment.code);
    writeFileSync(bareBundle, bare.code);

    const temporal = await connectServer(options, cleanups);
    const { client, address, namespace } = temporal;
    const taskQueues: string[] = [];
    // A server that outlives the run keeps nothing of it open (its timers would fire for weeks).
    if (options.server) cleanups.push(() => terminateRun(client, namespace, taskQueues, options.log));

    const token = randomUUID();
    const emulator = await startChild('emulator-process.ts', {
      BENCH_EMULATOR: JSON.stringify({ token, maxLifetimeMs: options.maxLifetimeMs }),
    });
    cleanups.push(() => emulator.child.stop());
    const emulatorUrl = (emulator.ready as { baseUrl: string }).baseUrl;

    const receiver: Server = createServer(createCallbackHandler({ client }));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    receiver.unref();
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callbacks`;

    const workers: WorkerHandle[] = [];
    cleanups.push(async () => {
      for (const w of workers) await w.stop();
    });
    return {
      client,
      address,
      server: temporal.server,
      serverPid: temporal.pid,
      emulatorPid: emulator.child.pid,
      admin: new EmulatorAdmin(emulatorUrl),
      emulatorUrl,
      token,
      callbackUrl,
      paymentBundle,
      bareBundle,
      async startWorker(kind, overrides) {
        const taskQueue = `bench-${kind}-${randomUUID()}`;
        taskQueues.push(taskQueue);
        const config: WorkerProcessConfig = {
          kind,
          address,
          namespace,
          taskQueue,
          bundlePath: kind === 'payment' ? paymentBundle : bareBundle,
          ...(kind === 'payment' && { swedbankPay: { baseUrl: emulatorUrl, token } }),
          ...(overrides && { overrides }),
          maxLifetimeMs: options.maxLifetimeMs,
        };
        const { child, ready } = await startChild('worker-process.ts', { BENCH_WORKER: JSON.stringify(config) });
        const handle: WorkerHandle = {
          ...child,
          taskQueue,
          payments: new PaymentsClient({ client, taskQueue }),
          settings: (ready as { settings: Record<string, unknown> }).settings,
          async memory() {
            const m = await child.ask<Extract<WorkerProcessMessage, { type: 'memory' }>>({ type: 'memory' }, 'memory');
            return { rss: m.rss, heapUsed: m.heapUsed };
          },
        };
        workers.push(handle);
        return handle;
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
