/**
 * The worker: runs payment workflows and their activities on a task queue.
 * `createWorker` is for embedding (and the tests); `runWorkerFromEnv` (this file run directly, or
 * the CLI's `worker` command) is the production worker configured from the environment.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import { TASK_QUEUE } from './contract/index.js';
import { SwedbankPayClient, type SwedbankPayClientOptions } from './swedbank/client.js';
import {
  ConfigurationError,
  readAll,
  swedbankPaySettingsFromEnv,
  temporalSettingsFromEnv,
  type Environment,
  type SwedbankPaySettings,
  type TemporalSettings,
  type WorkerDeployment,
  workerDeploymentFromEnv,
} from './config/index.js';
import { TemporalUnavailableError } from './config/connect.js';

const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/** An hour: longer than any activity attempt may take (their timeout is at most an hour). */
const MAX_SHUTDOWN_GRACE_MS = 3_600_000;

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The workflows module, as source (.ts under tsx) or compiled (.js under lib/), for bundling. */
export function workflowsPath(): string {
  return fileURLToPath(new URL(`./workflows/index${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
}

/**
 * The workflow bundle built with the package (lib/workflow-bundle.js, by `npm run build`, which
 * `npm pack` runs), for `workflowBundle: { codePath }`: a worker that uses it starts without bundling.
 * Undefined when running from source (under tsx), where the workflows are bundled at start so that a
 * change is picked up, or when there is no build. It needs `@temporalio/worker` at exactly the version
 * it was built with, which is why the package pins it.
 */
export function prebuiltWorkflowBundlePath(): string | undefined {
  if (FROM_SOURCE) return undefined;
  const path = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
  return existsSync(path) ? path : undefined;
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  /** The Swedbank Pay client the activities use, or its options (base URL, bearer token, timeout). */
  swedbankPay: SwedbankPayClient | SwedbankPayClientOptions;
  namespace?: string;
  taskQueue?: string;
  /**
   * A bundle of the workflow code (`bundleWorkflowCode`). By default the one built with the package
   * (`prebuiltWorkflowBundlePath()`); the workflows are bundled at start when there is none, or when
   * `overrides` sets `workflowsPath`, `bundlerOptions` or workflow interceptor modules.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Worker Versioning: the worker deployment version this worker is (UPGRADING.md). Payment workflows
   * upgrade to the deployment's current version automatically. Absent: an unversioned worker.
   */
  deployment?: WorkerDeployment;
  /** Payload encryption (the same codec the clients use): payloads reach the server sealed. */
  payloadCodec?: PayloadCodec;
  /** Overrides for tests, e.g. a low `maxCachedWorkflows`. */
  overrides?: Partial<WorkerOptions>;
}

/** Where the worker's workflow code comes from: a given bundle, the prebuilt one, or bundled at start. */
function workflowCode(options: CreateWorkerOptions): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (options.workflowBundle) return { workflowBundle: options.workflowBundle };
  const { workflowsPath: path, bundlerOptions, interceptors } = options.overrides ?? {};
  const bundlesItself = path !== undefined || bundlerOptions !== undefined || !!interceptors?.workflowModules?.length;
  const prebuilt = bundlesItself ? undefined : prebuiltWorkflowBundlePath();
  return prebuilt ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath: workflowsPath() };
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const client =
    options.swedbankPay instanceof SwedbankPayClient ? options.swedbankPay : new SwedbankPayClient(options.swedbankPay);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...workflowCode(options),
    activities: createActivities(client),
    ...(options.payloadCodec && { dataConverter: { payloadCodecs: [options.payloadCodec] } }),
    // Payments upgrade to the deployment's current version at their next workflow task: they live for
    // months, and every change to their commands is gated with patched() and proven against the
    // archived histories (UPGRADING.md). The worker's default, since the workflow itself may not name
    // a behaviour: unversioned workers refuse one.
    ...(options.deployment && {
      workerDeploymentOptions: {
        version: options.deployment,
        useWorkerVersioning: true,
        defaultVersioningBehavior: 'AUTO_UPGRADE',
      },
    }),
    ...options.overrides,
  });
}

/** Worker settings beyond Temporal's and Swedbank Pay's: how long a shutdown waits for activities. */
export function shutdownGraceMsFromEnv(env: Environment = process.env): number {
  const raw = env.WORKER_SHUTDOWN_GRACE_MS;
  if (raw === undefined) return DEFAULT_SHUTDOWN_GRACE_MS;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > MAX_SHUTDOWN_GRACE_MS) {
    throw new ConfigurationError([
      `WORKER_SHUTDOWN_GRACE_MS must be a whole number of milliseconds from 0 to ${MAX_SHUTDOWN_GRACE_MS}, got "${raw}"`,
    ]);
  }
  return Number(raw);
}

/**
 * Runs a worker configured from the environment until SIGINT or SIGTERM. On a signal it stops polling,
 * lets in-flight activities finish within the grace time (an activity cut off is retried later and
 * finds its transaction by payeeReference, so nothing is sent twice), then exits.
 */
export async function runWorkerFromEnv(env: Environment = process.env, log = console.log): Promise<void> {
  const [temporal, swedbankPay, shutdownGraceMs, deployment] = readAll<
    [TemporalSettings, SwedbankPaySettings, number, WorkerDeployment | undefined]
  >(
    () => temporalSettingsFromEnv(env),
    () => swedbankPaySettingsFromEnv(env),
    () => shutdownGraceMsFromEnv(env),
    () => workerDeploymentFromEnv(env),
  );
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(temporal.connectionOptions);
  } catch (err) {
    throw new TemporalUnavailableError(
      `cannot connect to Temporal at ${temporal.connectionOptions.address}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  try {
    const worker = await createWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      swedbankPay: swedbankPay.client,
      ...(deployment && { deployment }),
      ...(temporal.payloadCodec && { payloadCodec: temporal.payloadCodec }),
      overrides: { shutdownGraceTime: shutdownGraceMs },
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () =>
        log(`${signal}: stopping; in-flight activities get up to ${shutdownGraceMs} ms to finish`),
      );
    }
    const code = prebuiltWorkflowBundlePath() ? 'prebuilt workflow bundle' : 'workflows bundled at start';
    const version = deployment
      ? `deployment ${deployment.deploymentName}, build ${deployment.buildId}`
      : 'unversioned (no worker deployment)';
    log(`worker started: ${temporal.description}; ${swedbankPay.description}; ${code}; ${version}`);
    await worker.run(); // the SDK's runtime shuts the worker down on SIGINT and SIGTERM
    log('worker stopped');
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWorkerFromEnv().catch((err: unknown) => {
    console.error(`worker not started: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
