// The production worker: configured from the environment, refuses bad configuration with a clear
// message, never prints the token, and drains in-flight activities on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigurationError } from '../src/config/errors.js';
import { swedbankPaySettingsFromEnv } from '../src/config/swedbank-pay.js';
import { temporalSettingsFromEnv } from '../src/config/temporal.js';
import { workerDeploymentFromEnv } from '../src/config/deployment.js';
import { shutdownGraceMsFromEnv } from '../src/worker.js';
import { captureUpdate } from '../src/contract/index.js';
import { startWorker, temporal, uniqueTaskQueue } from './harness.js';
import { startPayment, usePaymentFixture, waitForState } from './payment-fixture.js';
import { TEST_TOKEN } from './secrets.js';

const WORKER = new URL('../src/worker.ts', import.meta.url).pathname;

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the worker as `node src/worker.ts` does in production, with exactly the given environment. */
function runWorker(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('worker configuration', () => {
  it('reads Temporal settings through envconfig, with defaults', () => {
    const settings = temporalSettingsFromEnv({});
    assert.equal(settings.connectionOptions.address, 'localhost:7233');
    assert.equal(settings.namespace, 'default');
    assert.equal(settings.taskQueue, 'swedbank-pay');
    const cloud = temporalSettingsFromEnv({
      TEMPORAL_ADDRESS: 'payments.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'payments.a1b2c',
      TEMPORAL_API_KEY: 'cloud-key-canary-SECRET',
      TEMPORAL_TASK_QUEUE: 'pay',
    });
    assert.equal(cloud.connectionOptions.apiKey, 'cloud-key-canary-SECRET');
    assert.ok(cloud.connectionOptions.tls, 'an API key turns TLS on');
    assert.equal(cloud.namespace, 'payments.a1b2c');
    assert.equal(
      cloud.description,
      'Temporal payments.a1b2c.tmprl.cloud:7233, namespace payments.a1b2c, task queue pay, TLS, API key set',
    );
  });

  it('reads a profile from a temporal.toml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envconfig-'));
    const file = join(dir, 'temporal.toml');
    writeFileSync(file, '[profile.prod]\naddress = "prod.example:7233"\nnamespace = "payments"\n');
    const settings = temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    assert.equal(settings.connectionOptions.address, 'prod.example:7233');
    assert.equal(settings.namespace, 'payments');
  });

  it('names every problem at once and never the token', () => {
    assert.throws(
      () =>
        swedbankPaySettingsFromEnv({
          SWEDBANK_PAY_TOKEN: 'tok canary-SECRET',
          SWEDBANK_PAY_BASE_URL: 'http://api.example',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigurationError);
        assert.equal(err.problems.length, 2, err.message);
        assert.match(err.message, /whitespace/);
        assert.match(err.message, /must use https/);
        assert.doesNotMatch(err.message, /canary/);
        return true;
      },
    );
    assert.equal(
      swedbankPaySettingsFromEnv({ SWEDBANK_PAY_TOKEN: 't', SWEDBANK_PAY_BASE_URL: 'http://127.0.0.1:8088' }).client
        .baseUrl,
      'http://127.0.0.1:8088',
      'plain http is fine for the emulator on loopback',
    );
    assert.equal(
      swedbankPaySettingsFromEnv({ SWEDBANK_PAY_TOKEN: 't' }).client.baseUrl,
      'https://api.externalintegration.payex.com',
    );
  });

  it('bounds timeouts Node could not honour, and reads Worker Versioning as a pair', () => {
    for (const timeout of ['0', '99', '2147483648', '1e3']) {
      assert.throws(
        () => swedbankPaySettingsFromEnv({ SWEDBANK_PAY_TOKEN: 't', SWEDBANK_PAY_TIMEOUT_MS: timeout }),
        /SWEDBANK_PAY_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000/,
      );
    }
    assert.throws(() => shutdownGraceMsFromEnv({ WORKER_SHUTDOWN_GRACE_MS: '99999999999' }), /from 0 to 3600000/);
    assert.equal(workerDeploymentFromEnv({}), undefined, 'unversioned by default');
    assert.deepEqual(
      workerDeploymentFromEnv({ TEMPORAL_DEPLOYMENT_NAME: 'swedbank-pay', TEMPORAL_WORKER_BUILD_ID: '0.2.0' }),
      {
        deploymentName: 'swedbank-pay',
        buildId: '0.2.0',
      },
    );
    assert.throws(() => workerDeploymentFromEnv({ TEMPORAL_WORKER_BUILD_ID: '0.2.0' }), /together/);
    assert.throws(
      () => workerDeploymentFromEnv({ TEMPORAL_DEPLOYMENT_NAME: 'has space', TEMPORAL_WORKER_BUILD_ID: 'x' }),
      /TEMPORAL_DEPLOYMENT_NAME must be/,
    );
  });

  it('takes the token from a secret file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file-canary-SECRET\n');
    assert.equal(swedbankPaySettingsFromEnv({ SWEDBANK_PAY_TOKEN_FILE: file }).client.token, 'from-file-canary-SECRET');
    assert.throws(
      () => swedbankPaySettingsFromEnv({ SWEDBANK_PAY_TOKEN_FILE: join(dir, 'missing') }),
      (err: unknown) => err instanceof ConfigurationError && /ENOENT/.test(err.message),
    );
  });

  it('the worker process refuses to start, says why, and prints no token', async () => {
    const run = runWorker({
      SWEDBANK_PAY_TOKEN: `bad token ${TEST_TOKEN}`,
      SWEDBANK_PAY_BASE_URL: 'ftp://example',
      WORKER_SHUTDOWN_GRACE_MS: 'soon',
    });
    assert.equal(await within(run.exited, 60_000, 'worker exit'), 1);
    const output = run.output();
    assert.match(output, /worker not started: invalid configuration/);
    assert.match(output, /SWEDBANK_PAY_TOKEN contains whitespace/);
    assert.match(output, /SWEDBANK_PAY_BASE_URL must use https/);
    assert.match(output, /WORKER_SHUTDOWN_GRACE_MS must be a whole number/);
    assert.doesNotMatch(output, /canary/);
  });

  it('the worker process says so when Temporal cannot be reached', async () => {
    const run = runWorker({ SWEDBANK_PAY_TOKEN: TEST_TOKEN, TEMPORAL_ADDRESS: '127.0.0.1:9' });
    assert.equal(await within(run.exited, 60_000, 'worker exit'), 1);
    assert.match(run.output(), /cannot connect to Temporal at 127\.0\.0\.1:9/);
    assert.doesNotMatch(run.output(), /canary/);
  });
});

describe('worker shutdown', () => {
  const fx = usePaymentFixture(temporal);

  /**
   * A worker process with the given grace time gets SIGTERM while its capture waits 3 s for Swedbank
   * Pay; a second worker then finishes the payment. Returns the capture activity's attempt numbers.
   */
  async function sigtermDuringCapture(graceMs: string): Promise<{ attempts: (number | null | undefined)[] }> {
    const taskQueue = uniqueTaskQueue('sigterm');
    const run = runWorker({
      TEMPORAL_ADDRESS: fx.env.address,
      TEMPORAL_NAMESPACE: fx.env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      SWEDBANK_PAY_BASE_URL: fx.emulator.baseUrl,
      SWEDBANK_PAY_TOKEN: TEST_TOKEN,
      WORKER_SHUTDOWN_GRACE_MS: graceMs,
    });
    await within(
      (async () => {
        while (!run.output().includes('worker started')) {
          if (run.child.exitCode !== null) throw new Error(`worker exited: ${run.output()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      })(),
      90_000,
      'worker start',
    );
    assert.match(run.output(), new RegExp(`task queue ${taskQueue}`));
    const { handle, paymentId } = await startPayment(fx, { amount: 50_000, taskQueue });
    await fx.admin.setFaults([{ operation: 'capture', fault: { kind: 'latency', ms: 3_000 }, times: 1 }]);
    const result = handle.executeUpdate(captureUpdate, {
      args: [{ amount: 20_000, vatAmount: 4_000, reference: 'S1' }],
    });
    await waitForState(handle, (s) => s.queue.some((op) => op.status === 'running'), { what: 'capture running' });
    run.child.kill('SIGTERM');
    assert.equal(await within(run.exited, 30_000, 'graceful exit'), 0, run.output());
    assert.match(run.output(), /SIGTERM: stopping/);
    assert.match(run.output(), /worker stopped/);
    assert.doesNotMatch(run.output(), /canary/);
    // A new worker picks the payment up and finishes whatever the first one left.
    const next = await startWorker(fx.env, {
      taskQueue,
      swedbankPay: { baseUrl: fx.emulator.baseUrl, token: TEST_TOKEN },
    });
    try {
      assert.equal((await result).state, 'Completed');
    } finally {
      await next.stop();
    }
    const captures = (await fx.admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture');
    assert.equal(captures.length, 1, 'exactly one capture at Swedbank Pay');
    const history = await handle.fetchHistory();
    return {
      attempts: (history.events ?? [])
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes?.attempt),
    };
  }

  it('SIGTERM lets the in-flight capture finish within the grace time, then exits 0', async () => {
    const { attempts } = await sigtermDuringCapture('20000');
    assert.deepEqual(attempts, [1], 'one attempt: the capture was not cut off');
  });

  it('with no grace time the capture is cut off, retried by the next worker, and still sent once', async () => {
    const { attempts } = await sigtermDuringCapture('0');
    assert.deepEqual(attempts, [2], 'the second attempt finished it');
  });
});
