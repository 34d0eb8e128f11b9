// The package as an order-management system gets it. `npm pack` (which builds lib/ and the workflow
// bundle) makes the tarball; an empty project installs it from npm's cache (filled by the repository's
// own `npm ci`); the TypeScript consumer of test/fixtures/consumer/ is compiled with `tsc --strict`
// against the published types and run against this test run's dev server: Swedbank Pay played by the
// emulator entry point, a worker from the worker entry point on the prebuilt workflow bundle, a capture
// and a cancellation through the client entry point. Also: the install runs nothing of the package,
// every declared entry point loads and exports its API, the client entry point loads neither the
// worker nor the emulator, the CLI runs without tsx, and the testing entry point names its missing
// optional peer and works once it is installed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { teardownTemporal, temporal, uniqueTaskQueue } from './harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/consumer/', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NAME = 'swedbank-pay-temporal';
const STEP_TIMEOUT_MS = 300_000;

/** Each entry point and names it must export: each role's API, checked at run time (the types more). */
const EXPECTED_EXPORTS: Record<string, string[]> = {
  '.': ['PaymentsClient', 'createWorker', 'createCallbackHandler', 'startEmulator', 'EmulatorAdmin', 'ledger'],
  './client': [
    'PaymentsClient',
    'InvalidPaymentInputError',
    'PaymentNotFoundError',
    'PaymentClosedError',
    'PaymentRequestRejectedError',
    'CONTRACT_VERSION',
    'TASK_QUEUE',
    'PAYMENT_WORKFLOW_TYPE',
    'paymentWorkflowId',
    'captureUpdate',
    'captureSignal',
    'stateQuery',
    'SEARCH_ATTRIBUTES',
    'connectClient',
    'Client',
    'Connection',
    'tracingClientInterceptors',
  ],
  './worker': [
    'createWorker',
    'runWorkerFromEnv',
    'createActivities',
    'workflowsPath',
    'prebuiltWorkflowBundlePath',
    'NativeConnection',
    'SwedbankPayClient',
    'createLogger',
    'installRuntime',
    'paymentMetrics',
    'startTracing',
  ],
  './callbacks': [
    'createCallbackHandler',
    'startCallbackServer',
    'callbackReceiverConfigFromEnv',
    'startCallbackMetrics',
  ],
  './emulator': ['startEmulator', 'EmulatorAdmin', 'EmulatorStore'],
  './testing': ['startDevServer', 'startTimeSkippingServer', 'MissingPeerDependencyError', 'resolveTemporalBinary'],
};

/** Modules the client entry point must not load: the worker (its native core bridge and bundler), the
 * Temporal test servers, the emulator, and OpenTelemetry, the logger and the metrics registry (loaded
 * only when tracing is asked for, or by the services). */
const NOT_FOR_CLIENTS = [
  '/node_modules/@opentelemetry/',
  '/node_modules/@temporalio/interceptors-opentelemetry/',
  '/node_modules/pino/',
  '/node_modules/prom-client/',
  '/node_modules/@temporalio/worker/',
  '/node_modules/@temporalio/core-bridge/',
  '/node_modules/@temporalio/testing/',
  '/node_modules/webpack/',
  '/node_modules/@swc/',
  `/node_modules/${NAME}/lib/src/emulator/`,
  `/node_modules/${NAME}/lib/src/worker.js`,
];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? npmEnv(),
        timeout: options.timeout ?? STEP_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function describeOutcome(what: string, outcome: Outcome): string {
  return `${what} exited with ${outcome.code}\n--- stdout\n${outcome.stdout.slice(-4000)}\n--- stderr\n${outcome.stderr.slice(-4000)}`;
}

/** npm's environment: this process's, without the test runner's marker. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** A consumer's process: only what it is given. */
function consumerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
}

/** The last line of a consumer's output, parsed. */
function lastJsonLine<T>(outcome: Outcome): T {
  const line = outcome.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as T;
}

/** `tsc --strict` errors, except those in the Temporal SDK's own declarations (they import the untyped
 * `ms`, so no project compiles them with skipLibCheck off); this package's declarations must be clean. */
function typeErrors(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /error TS\d+/.test(line))
    .filter((line) => !line.startsWith('node_modules/@temporalio/'));
}

describe('the package, installed from its tarball into an empty project', () => {
  let dir: string;
  let project: string;
  let tarball: string;
  let install: Outcome;

  before(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'swedbank-pay-consumer-'));
      const packDir = join(dir, 'pack');
      project = join(dir, 'project');
      mkdirSync(packDir);
      mkdirSync(project);
      const packed = await run('npm', ['pack', '--pack-destination', packDir], { cwd: ROOT });
      assert.equal(packed.code, 0, describeOutcome('npm pack', packed));
      const files = readdirSync(packDir).filter((file) => file.endsWith('.tgz'));
      assert.equal(files.length, 1, `one tarball, got ${files.join(', ')}`);
      tarball = join(packDir, files[0]!);
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2),
      );
      cpSync(FIXTURE, project, { recursive: true });
      // The project's @types/node is the repository's, so that nothing asks for a newer one than the
      // cache holds; npm takes everything from its cache, and only what is missing there from the registry.
      const typesNode = (
        JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
      install = await run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${typesNode}`],
        { cwd: project },
      );
      assert.equal(install.code, 0, describeOutcome('npm install <tarball>', install));
    },
    { timeout: 2 * STEP_TIMEOUT_MS },
  );

  after(async () => {
    await teardownTemporal();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs without running anything of the package, and without Temporal binaries or tsx', () => {
    const output = `${install.stdout}\n${install.stderr}`;
    assert.doesNotMatch(output, new RegExp(`${NAME}@[^ ]* \\(`), 'npm lists an install script of the package');
    assert.doesNotMatch(output, /temporal-binaries|pip install/, 'the install ran the Temporal binary install');
    const installed = join(project, 'node_modules', NAME);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) {
      assert.equal(manifest.scripts?.[script], undefined, `the published package has a ${script} script`);
    }
    assert.ok(!existsSync(join(installed, '.temporal')), 'Temporal binaries were installed into the package');
    for (const absent of ['tsx', '@temporalio/testing', 'playwright-core', 'typescript']) {
      assert.ok(!existsSync(join(project, 'node_modules', absent)), `${absent} was installed for a consumer`);
    }
  });

  it('publishes only what its entry points and its command line need', () => {
    const installed = join(project, 'node_modules', NAME);
    assert.deepEqual(readdirSync(installed).sort(), [
      'CHANGELOG.md',
      'README.md',
      'bin',
      'docs',
      'lib',
      'package.json',
    ]);
    assert.deepEqual(readdirSync(join(installed, 'lib')).sort(), [
      'src',
      'workflow-bundle-tracing.js',
      'workflow-bundle.js',
    ]);
    const src = join(installed, 'lib', 'src');
    const published = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((file) =>
      statSync(join(src, file)).isFile(),
    );
    assert.deepEqual(
      published.filter((file) => !/(\.d\.ts|\.js|\.js\.map)$/.test(file)),
      [],
      'only compiled JavaScript, its declarations and source maps',
    );
    assert.deepEqual(
      published.filter((file) => /(^|\/)(test|fixtures)\/|\.test\./.test(file)),
      [],
      'no test files',
    );
  });

  it('declares each entry point with its types, and each one exports its API', async () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', NAME, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default: string }>;
    };
    const declared = Object.keys(manifest.exports).filter((key) => key !== './package.json');
    assert.deepEqual(declared.sort(), Object.keys(EXPECTED_EXPORTS).sort(), 'the entry points declared in exports');
    for (const subpath of declared) {
      const target = manifest.exports[subpath]!;
      assert.equal(typeof target, 'object', `${subpath} names its types and its code`);
      if (typeof target === 'string') continue;
      for (const file of [target.types, target.default]) {
        assert.ok(existsSync(join(project, 'node_modules', NAME, file)), `${subpath}: ${file} is not in the package`);
      }
    }
    const specifiers = declared.map((subpath) => (subpath === '.' ? NAME : `${NAME}/${subpath.slice(2)}`));
    const probe = `
      const result = {};
      for (const specifier of ${JSON.stringify(specifiers)}) result[specifier] = Object.keys(await import(specifier));
      console.log(JSON.stringify(result));`;
    const outcome = await run(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: project,
      env: consumerEnv(),
    });
    assert.equal(outcome.code, 0, describeOutcome('importing every entry point', outcome));
    const exported = lastJsonLine<Record<string, string[]>>(outcome);
    for (const [subpath, names] of Object.entries(EXPECTED_EXPORTS)) {
      const specifier = subpath === '.' ? NAME : `${NAME}/${subpath.slice(2)}`;
      const missing = names.filter((name) => !exported[specifier]?.includes(name));
      assert.deepEqual(missing, [], `${specifier} does not export ${missing.join(', ')}`);
    }
  });

  it('the client entry point loads neither the worker, the test servers nor the emulator', async (t) => {
    const loaded = async (specifier: string): Promise<string[]> => {
      const outcome = await run(process.execPath, ['loaded-modules.mjs', specifier], {
        cwd: project,
        env: consumerEnv(),
      });
      assert.equal(outcome.code, 0, describeOutcome(`loading ${specifier}`, outcome));
      return lastJsonLine<string[]>(outcome);
    };
    const client = await loaded(`${NAME}/client`);
    const root = await loaded(NAME);
    t.diagnostic(`modules loaded from node_modules: ${client.length} by ${NAME}/client, ${root.length} by ${NAME}`);
    assert.ok(client.some((file) => file.includes('/node_modules/@temporalio/client/')));
    assert.deepEqual(
      client.filter((file) => NOT_FOR_CLIENTS.some((part) => file.includes(part))),
      [],
      'the client entry point loaded these',
    );
    assert.ok(
      root.some((file) => file.includes('/node_modules/@temporalio/core-bridge/')),
      'the root loads the worker',
    );
    assert.ok(client.length < root.length);
  });

  it('a strict TypeScript consumer drives a payment: worker on the prebuilt bundle, client, emulator', async () => {
    const compiled = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project });
    assert.deepEqual(typeErrors(compiled.stdout), [], describeOutcome('tsc --strict', compiled));
    const env = await temporal();
    const outcome = await run(process.execPath, ['dist/payments.js'], {
      cwd: project,
      env: consumerEnv({
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
        TEMPORAL_TASK_QUEUE: uniqueTaskQueue('consumer'),
      }),
      timeout: 120_000,
    });
    assert.equal(outcome.code, 0, describeOutcome('the consumer', outcome));
    const result = lastJsonLine<{
      contractVersion: string;
      workflowBundle: string | null;
      handler: string;
      capture: { state: string; amount: number };
      cancel: { state: string; amount: number };
      ledger: { captured: number; cancelled: number };
      emulatorTotals: { captured: number; cancelled: number };
    }>(outcome);
    assert.equal(result.workflowBundle, join(project, 'node_modules', NAME, 'lib', 'workflow-bundle.js'));
    assert.equal(result.handler, 'function');
    assert.match(result.contractVersion, /^\d+\.\d+$/);
    assert.deepEqual(
      [result.capture.state, result.capture.amount, result.cancel.state, result.cancel.amount],
      ['Completed', 40_000, 'Completed', 60_000],
    );
    assert.deepEqual([result.ledger.captured, result.ledger.cancelled], [40_000, 60_000]);
    assert.deepEqual([result.emulatorTotals.captured, result.emulatorTotals.cancelled], [40_000, 60_000]);
  });

  it("the command line runs from the package's compiled JavaScript", async () => {
    const outcome = await run(join(project, 'node_modules', '.bin', NAME), ['--help'], {
      cwd: project,
      env: consumerEnv(),
    });
    assert.equal(outcome.code, 0, describeOutcome(`${NAME} --help`, outcome));
    assert.match(outcome.stdout, /^Usage: swedbank-pay-temporal <command>/);
  });

  it('the testing entry point says to install its optional peer, and works once it is installed', async () => {
    const probe = `
      const { startDevServer } = await import('${NAME}/testing');
      await startDevServer().then(
        () => console.log(JSON.stringify({ started: true })),
        (err) => console.log(JSON.stringify({ name: err.name, message: err.message })),
      );`;
    const missing = await run(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: project,
      env: consumerEnv(),
    });
    assert.equal(missing.code, 0, describeOutcome('the testing entry point without its peer', missing));
    const error = lastJsonLine<{ name: string; message: string }>(missing);
    assert.equal(error.name, 'MissingPeerDependencyError');
    assert.match(error.message, /npm install --save-dev @temporalio\/testing@1\.24\.0/);

    const peer = await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '@temporalio/testing@1.24.0'],
      {
        cwd: project,
      },
    );
    assert.equal(peer.code, 0, describeOutcome('npm install @temporalio/testing', peer));
    const compiled = await run(process.execPath, [TSC, '-p', 'tsconfig.testing.json'], { cwd: project });
    assert.deepEqual(typeErrors(compiled.stdout), [], describeOutcome('tsc --strict', compiled));
    const cli = resolveTemporalBinary('cli');
    const outcome = await run(process.execPath, ['dist/testing.js'], {
      cwd: project,
      env: consumerEnv(cli.kind === 'existing-path' ? { TEMPORAL_CLI_PATH: cli.path } : {}),
      timeout: 120_000,
    });
    assert.equal(outcome.code, 0, describeOutcome('the testing consumer', outcome));
    const result = lastJsonLine<{ address: string; registered: string[] }>(outcome);
    assert.match(result.address, /^127\.0\.0\.1:\d+$/);
    assert.equal(result.registered.length, 6, 'the dev server has the search attributes');
  });
});
