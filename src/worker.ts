/**
 * The worker: runs payment workflows and their activities on a task queue.
 * `createWorker` is for embedding (and the tests); running this file starts a worker against
 * TEMPORAL_ADDRESS (default localhost:7233).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import { TASK_QUEUE } from './contract.js';
import { SwedbankPayClient, type SwedbankPayClientOptions } from './swedbank/client.js';

/** The workflows module, as source (.ts under tsx) or compiled (.js under lib/). */
export function workflowsPath(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./workflows/index${extension}`, import.meta.url));
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  /** The Swedbank Pay client the activities use, or its options (base URL, bearer token, timeout). */
  swedbankPay: SwedbankPayClient | SwedbankPayClientOptions;
  namespace?: string;
  taskQueue?: string;
  /** A prebuilt bundle (`bundleWorkflowCode`) to skip bundling at start; tests share one. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Overrides for tests, e.g. a low `maxCachedWorkflows`. */
  overrides?: Partial<WorkerOptions>;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const client =
    options.swedbankPay instanceof SwedbankPayClient ? options.swedbankPay : new SwedbankPayClient(options.swedbankPay);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: createActivities(client),
    ...options.overrides,
  });
}

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const connection = await NativeConnection.connect({ address });
  try {
    const token = process.env.SWEDBANK_PAY_TOKEN;
    if (!token) throw new Error('SWEDBANK_PAY_TOKEN is not set: the worker needs the merchant bearer token');
    const worker = await createWorker({
      connection,
      namespace,
      taskQueue: process.env.TEMPORAL_TASK_QUEUE,
      swedbankPay: { token, baseUrl: process.env.SWEDBANK_PAY_BASE_URL },
    });
    console.log(`worker polling task queue ${worker.options.taskQueue} on ${address} (namespace ${namespace})`);
    await worker.run(); // the SDK shuts down gracefully on SIGINT and SIGTERM
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
