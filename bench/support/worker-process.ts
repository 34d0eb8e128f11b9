/**
 * A worker in its own process, so that its memory can be read on its own and its CPU is not the load
 * generator's: the package's payment worker (`createWorker`, with the settings the production worker
 * derives from its environment) or the bare workflow's worker with the same settings. Started by
 * bench/support/stack.ts with `fork`; configured by BENCH_WORKER (JSON). Answers `{type:'memory'}` with
 * its memory use, stops on `{type:'stop'}`, when its parent goes away, or after its time limit.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { installQuietRuntime } from '../../src/temporal/logging.js';
import { createWorker } from '../../src/worker.js';
import { shippedWorkerOptions } from './shipped-settings.js';

export interface WorkerProcessConfig {
  kind: 'payment' | 'bare';
  address: string;
  namespace: string;
  taskQueue: string;
  bundlePath: string;
  /** Payment workers: the Swedbank Pay API (the emulator) and its token. */
  swedbankPay?: { baseUrl: string; token: string };
  /** Settings on top of the shipped ones (e.g. a cache large enough to keep every workflow). */
  overrides?: Partial<Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions'>>;
  /** The process exits after this long whatever happens. */
  maxLifetimeMs: number;
}

export type WorkerProcessMessage =
  | { type: 'ready'; settings: Record<string, unknown> }
  | { type: 'memory'; rss: number; heapUsed: number; external: number }
  | { type: 'error'; message: string };

const config = JSON.parse(process.env.BENCH_WORKER ?? '{}') as WorkerProcessConfig;

function send(message: WorkerProcessMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  installQuietRuntime();
  const lifetime = setTimeout(() => process.exit(2), config.maxLifetimeMs);
  lifetime.unref();
  const connection = await NativeConnection.connect({ address: config.address });
  const shipped = shippedWorkerOptions();
  const options: Partial<WorkerOptions> = { ...shipped, ...config.overrides };
  let worker: Worker;
  if (config.kind === 'payment') {
    worker = await createWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      swedbankPay: { ...config.swedbankPay!, timeoutMs: 30_000 },
      workflowBundle: { codePath: config.bundlePath },
      overrides: options,
    });
  } else {
    worker = await Worker.create({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      workflowBundle: { codePath: config.bundlePath },
      activities: { noop: async (n: number) => n },
      ...options,
    });
  }
  const running = worker.run();
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') stop();
    if (message.type === 'memory') {
      const m = process.memoryUsage();
      send({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external });
    }
  });
  process.on('disconnect', stop);
  const tuner = worker.options.tuner as { workflowTaskSlotSupplier?: { numSlots?: number } };
  send({
    type: 'ready',
    settings: {
      maxCachedWorkflows: worker.options.maxCachedWorkflows,
      workflowTaskSlots: tuner.workflowTaskSlotSupplier?.numSlots,
      reuseV8Context: worker.options.reuseV8Context,
    },
  });
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
