/**
 * The worker: runs payment workflows and their activities on a task queue.
 * `createWorker` is for embedding (and the tests); `runWorkerFromEnv` (this file run directly, or
 * the CLI's `worker` command) is the production worker configured from the environment.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
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
  type WorkerTuning,
  workerTuningFromEnv,
} from './config/index.js';
import { TemporalUnavailableError } from './config/connect.js';
import { workerObservabilityFromEnv, type WorkerObservability } from './config/observability.js';
import {
  createLogger,
  logSettingsFromEnv,
  logSettingsOrDefaults,
  neverLog,
  temporalLogger,
  type LogSettings,
} from './observability/logger.js';
import { countPaymentsPeriodically } from './observability/payment-counts.js';
import { installRuntime } from './temporal/logging.js';
import { paymentMetrics, type PaymentMetrics } from './observability/payment-metrics.js';
import { workerObservability, type WorkerTracing } from './observability/worker-options.js';

const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/** An hour: longer than any activity attempt may take (their timeout is at most an hour). */
const MAX_SHUTDOWN_GRACE_MS = 3_600_000;

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The workflows module, as source (.ts under tsx) or compiled (.js under lib/), for bundling. */
export function workflowsPath(): string {
  return fileURLToPath(new URL(`./workflows/index${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
}

/**
 * How the workflow code is bundled (at a worker's start, by `npm run build`, by the tests): its
 * modules (the workflow, the contract and the pure core, none with state of its own) are loaded once
 * into the worker's reusable V8 context and shared by every cached workflow, instead of being
 * evaluated again for each: less memory per cached payment, and less work for each one the worker
 * creates or replays.
 */
export function workflowBundleOptions(): { workflowsPath: string; preloadModules: string[] } {
  return { workflowsPath: workflowsPath(), preloadModules: [workflowsPath()] };
}

/**
 * The workflow bundle built with the package (lib/workflow-bundle.js, by `npm run build`, which
 * `npm pack` runs), for `workflowBundle: { codePath }`: a worker that uses it starts without bundling.
 * Undefined when running from source (under tsx), where the workflows are bundled at start so that a
 * change is picked up, or when there is no build. It needs `@temporalio/worker` at exactly the version
 * it was built with, which is why the package pins it.
 */
export function prebuiltWorkflowBundlePath(options: { tracing?: boolean } = {}): string | undefined {
  if (FROM_SOURCE) return undefined;
  const file = options.tracing ? TRACING_BUNDLE_FILE : BUNDLE_FILE;
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  return existsSync(path) ? path : undefined;
}

/** The prebuilt bundles: the plain one, and one with Temporal's OpenTelemetry workflow interceptors. */
export const BUNDLE_FILE = 'workflow-bundle.js';
export const TRACING_BUNDLE_FILE = 'workflow-bundle-tracing.js';

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
  /**
   * OpenTelemetry (`startTracing()` from the tracing module gives both): workflow and activity spans
   * go to this span processor, and the workflow code carries Temporal's OpenTelemetry interceptors (the
   * prebuilt `lib/workflow-bundle-tracing.js`, or bundled at start). A `workflowBundle` you give must
   * have been bundled with them (`workflowInterceptorModules`). Absent: no tracing.
   */
  tracing?: WorkerTracing;
  /** Where the activities' payment metrics go; default the runtime's metric meter (its Prometheus endpoint). */
  metrics?: PaymentMetrics;
  /** Overrides for tests, e.g. a low `maxCachedWorkflows`. */
  overrides?: Partial<WorkerOptions>;
}

/** Where the worker's workflow code comes from: a given bundle, the prebuilt one, or bundled at start. */
function workflowCode(
  options: CreateWorkerOptions,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (options.workflowBundle) return { workflowBundle: options.workflowBundle };
  const { workflowsPath: path, bundlerOptions, interceptors } = options.overrides ?? {};
  const bundlesItself = path !== undefined || bundlerOptions !== undefined || !!interceptors?.workflowModules?.length;
  const prebuilt = bundlesItself ? undefined : prebuiltWorkflowBundlePath({ tracing: options.tracing !== undefined });
  if (prebuilt) return { workflowBundle: { codePath: prebuilt } };
  if (bundlesItself) return { workflowsPath: workflowsPath() };
  const { preloadModules } = workflowBundleOptions();
  return { workflowsPath: workflowsPath(), bundlerOptions: { preloadModules } };
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const client =
    options.swedbankPay instanceof SwedbankPayClient ? options.swedbankPay : new SwedbankPayClient(options.swedbankPay);
  const namespace = options.namespace ?? 'default';
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  const code = workflowCode(options);
  const { metrics, ...observability } = await workerObservability({
    ...options,
    namespace,
    taskQueue,
    bundlesAtStart: code.workflowsPath !== undefined,
  });
  return Worker.create({
    connection: options.connection,
    namespace,
    taskQueue,
    ...code,
    activities: createActivities(client, { metrics }),
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
    ...observability, // the overrides' interceptors and sinks, with the payment's own
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
 *
 * It logs JSON lines (LOG_FORMAT, LOG_LEVEL), the SDK's own included; serves Prometheus metrics when
 * WORKER_METRICS_ADDRESS is set; and exports traces by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 * `log`, when given, receives the worker's own lines instead of the logger.
 */
export async function runWorkerFromEnv(env: Environment = process.env, log?: (line: string) => void): Promise<void> {
  const [temporal, swedbankPay, shutdownGraceMs, deployment, logging, observability, tuning] = readAll<
    [
      TemporalSettings,
      SwedbankPaySettings,
      number,
      WorkerDeployment | undefined,
      LogSettings,
      WorkerObservability,
      WorkerTuning,
    ]
  >(
    () => temporalSettingsFromEnv(env),
    () => swedbankPaySettingsFromEnv(env),
    () => shutdownGraceMsFromEnv(env),
    () => workerDeploymentFromEnv(env),
    () => logSettingsFromEnv(env, WORKER_LOG_DEFAULTS),
    () => workerObservabilityFromEnv(env),
    () => workerTuningFromEnv(env),
  );
  neverLog(swedbankPay.client.token);
  const logger = createLogger({ ...logging, service: 'worker' });
  const say = log ?? ((line: string) => logger.info(line));
  const installed = installRuntime({
    logger: temporalLogger(logger),
    coreErrorsOnly: logging.level === 'error' || logging.level === 'silent',
    ...(observability.metricsBindAddress !== undefined && { metricsBindAddress: observability.metricsBindAddress }),
  });
  if (!installed) logger.warn('a Temporal runtime was installed already: its logger and metrics settings are kept');
  const tracing = observability.tracing
    ? (await import('./observability/tracing.js')).startTracing({ serviceName: 'swedbank-pay-worker' })
    : undefined;
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(temporal.connectionOptions);
  } catch (err) {
    await tracing?.shutdown();
    throw new TemporalUnavailableError(
      `cannot connect to Temporal at ${temporal.connectionOptions.address}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  let counts: { stop(): void } | undefined;
  try {
    const metrics = paymentMetrics(
      Runtime.instance().metricMeter.withTags({ namespace: temporal.namespace, task_queue: temporal.taskQueue }),
    );
    const worker = await createWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      swedbankPay: swedbankPay.client,
      metrics,
      ...(deployment && { deployment }),
      ...(temporal.payloadCodec && { payloadCodec: temporal.payloadCodec }),
      ...(tracing && { tracing }),
      overrides: {
        shutdownGraceTime: shutdownGraceMs,
        // Sized by memory: a bounded cache that evicts, however many payments are open (WORKER_MEMORY_MB).
        maxCachedWorkflows: tuning.maxCachedWorkflows,
        maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
      },
    });
    if (observability.metricsBindAddress !== undefined && observability.visibilityPollMs > 0) {
      counts = countPaymentsPeriodically({
        connection,
        namespace: temporal.namespace,
        taskQueue: temporal.taskQueue,
        metrics,
        intervalMs: observability.visibilityPollMs,
        logger: temporalLogger(logger),
      });
    }
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () =>
        say(`${signal}: stopping; in-flight activities get up to ${shutdownGraceMs} ms to finish`),
      );
    }
    const code = prebuiltWorkflowBundlePath({ tracing: tracing !== undefined })
      ? 'prebuilt workflow bundle'
      : 'workflows bundled at start';
    const version = deployment
      ? `deployment ${deployment.deploymentName}, build ${deployment.buildId}`
      : 'unversioned (no worker deployment)';
    const metricsAt =
      observability.metricsBindAddress === undefined
        ? 'no metrics endpoint'
        : installed
          ? `metrics at http://${observability.metricsBindAddress}/metrics`
          : 'metrics as the installed runtime has them';
    say(`worker sizing: ${tuning.description}`);
    say(
      `worker started: ${temporal.description}; ${swedbankPay.description}; ${code}; ${version}; ${metricsAt}; ` +
        `${tracing ? 'traces exported by OTLP' : 'no tracing'}`,
    );
    await worker.run(); // the SDK's runtime shuts the worker down on SIGINT and SIGTERM
    say('worker stopped');
  } finally {
    counts?.stop();
    await connection.close();
    await tracing?.shutdown();
  }
}

/** The worker service's logs: JSON lines from info up, unless LOG_FORMAT and LOG_LEVEL say otherwise. */
export const WORKER_LOG_DEFAULTS: LogSettings = { format: 'json', level: 'info' };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWorkerFromEnv().catch((err: unknown) => {
    const logger = createLogger({ ...logSettingsOrDefaults(process.env, WORKER_LOG_DEFAULTS), service: 'worker' });
    logger.error(`worker not started: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
