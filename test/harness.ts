/**
 * The one test harness. `npm test` (test/run.ts) calls `startSharedTemporal` once: it starts the
 * Temporal dev server (random port, this project's search attributes registered) and bundles the
 * workflows once, then hands both to every test file through the environment. A test file run on
 * its own (`node --import tsx --test test/x.test.ts`) starts its own server instead.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type Worker, type WorkerOptions } from '@temporalio/worker';
import { installQuietRuntime, quietBundlerLogger } from '../src/temporal/logging.js';
import { startDevServer, startTimeSkippingServer } from '../src/temporal/servers.js';
import { createWorker, workflowBundleOptions } from '../src/worker.js';
import type { SwedbankPayClient, SwedbankPayClientOptions } from '../src/swedbank/client.js';

installQuietRuntime();

const ADDRESS_VAR = 'SWEDBANK_PAY_TEST_TEMPORAL_ADDRESS';
const NAMESPACE_VAR = 'SWEDBANK_PAY_TEST_TEMPORAL_NAMESPACE';
const BUNDLE_VAR = 'SWEDBANK_PAY_TEST_WORKFLOW_BUNDLE';
/** Set by the runner when building the production shape's Temporal server failed: the reason. */
export const PRODUCTION_SHAPE_BUILD_ERROR = 'SWEDBANK_PAY_TEST_PRODUCTION_SHAPE_BUILD_ERROR';

export interface SharedTemporal {
  /** Variables that point test files at the shared server and bundle. */
  env: Record<string, string>;
  teardown(): Promise<void>;
}

async function bundleToFile(dir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietBundlerLogger });
  const path = join(dir, 'workflow-bundle.js');
  writeFileSync(path, code);
  return path;
}

/** Global setup for one test run. */
export async function startSharedTemporal(): Promise<SharedTemporal> {
  const dir = mkdtempSync(join(tmpdir(), 'swedbank-pay-test-'));
  const server = await startDevServer();
  try {
    const bundlePath = await bundleToFile(dir);
    return {
      env: {
        [ADDRESS_VAR]: server.address,
        [NAMESPACE_VAR]: server.namespace ?? 'default',
        [BUNDLE_VAR]: bundlePath,
      },
      async teardown() {
        await server.teardown();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server.teardown();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

let local: Promise<TestWorkflowEnvironment> | undefined;
let timeSkipping: Promise<TestWorkflowEnvironment> | undefined;

/**
 * The real Temporal dev server for this test file: the shared one when run by `npm test`.
 * Call `teardownTemporal()` in an `after` hook.
 */
export function temporal(): Promise<TestWorkflowEnvironment> {
  local ??= process.env[ADDRESS_VAR]
    ? TestWorkflowEnvironment.createFromExistingServer({
        address: process.env[ADDRESS_VAR],
        namespace: process.env[NAMESPACE_VAR],
      })
    : startDevServer();
  return local;
}

/** The time-skipping test server, started for this test file on first use. */
export function timeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  timeSkipping ??= startTimeSkippingServer();
  return timeSkipping;
}

/** Closes this file's connections and any server it started itself. */
export async function teardownTemporal(): Promise<void> {
  const envs = [local, timeSkipping];
  local = timeSkipping = undefined;
  for (const env of envs) if (env) await (await env).teardown();
}

let bundle: Promise<NonNullable<WorkerOptions['workflowBundle']>> | undefined;

/** The workflow bundle of this run: built once by the runner, or here when run standalone. */
export function workflowBundle(): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  const codePath = process.env[BUNDLE_VAR];
  bundle ??= codePath
    ? Promise.resolve({ codePath })
    : bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietBundlerLogger });
  return bundle;
}

/** The shared bundle's file, for workers in other processes; undefined when run standalone. */
export function workflowBundlePath(): string | undefined {
  return process.env[BUNDLE_VAR];
}

/** A fresh task queue per test keeps tests on the shared server out of each other's way. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** For workers whose tests never reach Swedbank Pay: a port nothing listens on. */
const NO_SWEDBANK_PAY: SwedbankPayClientOptions = { baseUrl: 'http://127.0.0.1:9', token: 'not-used' };

export interface WithWorkerOptions {
  /** The Swedbank Pay API the activities talk to (an emulator); none by default. */
  swedbankPay?: SwedbankPayClient | SwedbankPayClientOptions;
  taskQueue?: string;
  overrides?: Partial<WorkerOptions>;
}

export interface RunningWorker {
  taskQueue: string;
  worker: Worker;
  /** Shuts the worker down and waits until it has stopped. */
  stop(): Promise<void>;
}

/** A worker of this package on a fresh task queue, running until `stop()`: for a whole test file. */
export async function startWorker(
  env: TestWorkflowEnvironment,
  options: WithWorkerOptions = {},
): Promise<RunningWorker> {
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    swedbankPay: options.swedbankPay ?? NO_SWEDBANK_PAY,
    workflowBundle: await workflowBundle(),
    overrides: options.overrides ?? {},
  });
  const running = worker.run();
  return {
    taskQueue,
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** Polls `probe` until it returns a value (not undefined), at most `attempts` times. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  {
    attempts = 100,
    intervalMs = 20,
    what = 'condition',
  }: { attempts?: number; intervalMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(intervalMs);
  }
  assert.fail(`${typeof what === 'function' ? what() : what} not reached after ${attempts} polls`);
}
