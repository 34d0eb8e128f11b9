/**
 * The production shape without Docker: a PostgreSQL cluster, the Temporal server built at the pinned
 * version with its schema set up by temporal-sql-tool and advanced visibility on PostgreSQL, the
 * namespace and the payment search attributes, the Swedbank Pay emulator, the callback receiver and
 * worker processes of this package (the CLI's `callbacks` and `worker` commands). Everything binds to
 * 127.0.0.1, every wait is bounded, and `stop()` (or the process exiting) stops it all.
 *
 * The schema and namespace steps are the very scripts Compose runs (deploy/temporal/*.sh).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TASK_QUEUE } from '../../src/contract/index.js';
import { EmulatorAdmin } from '../../src/emulator/admin-client.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { SEARCH_ATTRIBUTES } from '../../src/contract/index.js';
import { PROJECT_ROOT, resolveTemporalBinary } from '../../src/temporal/binaries.js';
import { NAMESPACE_RETENTION } from '../../src/temporal/versions.js';
import { postgresProblems, startPostgres, type RunningPostgres } from './postgresql.js';
import { exitWithin, freePort, PrerequisiteError, startProcess, type ManagedProcess } from './processes.js';
import {
  allocateServerPorts,
  ensureTemporalServerBuild,
  serverConfig,
  startTemporalServer,
  temporalServerProblems,
  type TemporalServerBuild,
} from './temporal-server.js';

export const SETUP_SCHEMA_SCRIPT = join(PROJECT_ROOT, 'deploy', 'temporal', 'setup-schema.sh');
export const SETUP_NAMESPACE_SCRIPT = join(PROJECT_ROOT, 'deploy', 'temporal', 'setup-namespace.sh');
const CLI_ENTRY = join(PROJECT_ROOT, 'src', 'cli', 'main.ts');
const DEFAULT_LOG_DIR = join(PROJECT_ROOT, 'artifacts', 'production-shape');

/** Names as `temporal operator search-attribute create --type` and the setup script take them. */
const CLI_TYPE: Record<string, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** The SEARCH_ATTRIBUTES list of the setup script: `Name=Type ...` of src/contract/search-attributes.ts. */
export function searchAttributeList(): string {
  return SEARCH_ATTRIBUTES.map((key) => `${key.name}=${CLI_TYPE[key.type]}`).join(' ');
}

function temporalCliDir(): string | undefined {
  const cli = resolveTemporalBinary('cli');
  return cli.kind === 'existing-path' ? dirname(cli.path) : undefined;
}

/** Everything missing on this machine, each with what to install; empty when the stack can start. */
export function productionShapeProblems(): string[] {
  const problems = [...postgresProblems(), ...temporalServerProblems()];
  if (!temporalCliDir()) {
    problems.push("The Temporal CLI was not found: run 'npm install' (it installs one under .temporal/).");
  }
  return problems;
}

/**
 * Builds (or finds) the Temporal server ahead of the stack, when the machine has what that takes;
 * missing prerequisites are left to `startProductionShape` to report. The test runner calls it
 * before the tests, whose per-file timeout a first build would exceed.
 */
export async function prepareProductionShape(log: (line: string) => void): Promise<void> {
  if (productionShapeProblems().length === 0) await ensureTemporalServerBuild(log);
}

export interface ProductionShapeOptions {
  /** The bearer token the workers send and the emulator requires. */
  token: string;
  /** Worker processes (default 2). */
  workers?: number;
  /** Extra environment for the worker processes (e.g. SWEDBANK_PAY_TIMEOUT_MS). */
  workerEnv?: Record<string, string>;
  /** One log file per process goes here (default artifacts/production-shape/). */
  logDir?: string;
  /** Progress lines (default stderr). */
  log?: (line: string) => void;
}

export interface WorkerProcess {
  index: number;
  process: ManagedProcess;
  /** The identity Temporal records for its tasks: the SDK's default, pid@hostname. */
  identity: string;
}

export interface ProductionShape {
  address: string;
  namespace: string;
  taskQueue: string;
  connection: Connection;
  client: Client;
  postgres: RunningPostgres;
  emulator: RunningEmulator;
  admin: EmulatorAdmin;
  callbackUrl: string;
  /** The worker processes, by index; a killed one stays until `startWorker` replaces it. */
  workers: WorkerProcess[];
  server(): ManagedProcess;
  /** Stops the Temporal server (SIGTERM, then SIGKILL after 60 s); PostgreSQL keeps running. */
  stopServer(): Promise<void>;
  /** Starts it again on the same config and database and waits until it serves. */
  startServer(): Promise<void>;
  /** Starts (or restarts) worker `index` and waits until it runs. */
  startWorker(index: number): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

/** Runs a shell script to its end, bounded; its output goes to `logFile`. */
async function runScript(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const run = startProcess(name, 'sh', [script], { env, logFile });
  const result = await exitWithin(run, timeoutMs);
  if (!result) {
    await run.stop('SIGKILL');
    throw new Error(`${name} did not finish within ${timeoutMs / 1000} s; its last lines:\n${run.tail()}`);
  }
  if (result.code !== 0) {
    throw new Error(`${name} failed (${result.signal ?? `exit ${result.code}`}); its last lines:\n${run.tail()}`);
  }
}

export async function startProductionShape(options: ProductionShapeOptions): Promise<ProductionShape> {
  const log = options.log ?? ((line: string) => console.error(`[production-shape] ${line}`));
  const problems = productionShapeProblems();
  if (problems.length > 0) throw new PrerequisiteError(problems.join('\n'));
  const build: TemporalServerBuild = await ensureTemporalServerBuild(log);
  const cliDir = temporalCliDir()!;

  const logDir = options.logDir ?? DEFAULT_LOG_DIR;
  mkdirSync(logDir, { recursive: true });
  for (const file of readdirSync(logDir)) if (file.endsWith('.log')) rmSync(join(logDir, file)); // this run's only
  const dir = mkdtempSync(join(tmpdir(), 'swedbank-pay-production-shape-'));
  // As root, PostgreSQL runs as the postgres user, which must reach its own directory below this one.
  if (process.getuid?.() === 0) chmodSync(dir, 0o711);
  const processes = new Set<ManagedProcess>();
  const track = (managed: ManagedProcess) => {
    processes.add(managed);
    void managed.exited.then(() => processes.delete(managed));
    return managed;
  };
  // Should this process end without stop() (a crash, process.exit), nothing is left behind.
  const onExit = () => {
    for (const managed of processes) managed.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) =>
        log(`while stopping: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
    cleanups.length = 0;
    onExit();
    process.removeListener('exit', onExit);
  };

  try {
    const namespace = 'default';
    const taskQueue = TASK_QUEUE;
    const pgDir = join(dir, 'postgresql');
    mkdirSync(pgDir, { mode: 0o700 });
    const postgres = await startPostgres({
      dir: pgDir,
      logDir,
      user: 'temporal',
      password: randomBytes(18).toString('base64url'),
    });
    track(postgres.process);
    cleanups.push(() => postgres.stop());
    log(`PostgreSQL ${postgres.major} on 127.0.0.1:${postgres.port}`);

    await runScript(
      'setup-schema',
      SETUP_SCHEMA_SCRIPT,
      {
        PATH: `${dirname(build.sqlTool)}${delimiter}${process.env.PATH ?? ''}`,
        SQL_HOST: postgres.host,
        SQL_PORT: String(postgres.port),
        SQL_USER: postgres.user,
        SQL_PASSWORD: postgres.password,
        TEMPORAL_SCHEMA_DIR: build.schemaDir,
      },
      join(logDir, 'setup-schema.log'),
      180_000,
    );

    const ports = await allocateServerPorts();
    const address = `127.0.0.1:${ports.grpc}`;
    const configFile = join(dir, 'temporal-server.yaml');
    writeFileSync(configFile, serverConfig(postgres, ports), { mode: 0o600 });
    const serverLog = join(logDir, 'temporal-server.log');
    let server = track(await startTemporalServer({ build, configFile, logFile: serverLog, address }));
    cleanups.push(() => server.stop('SIGTERM', 60_000));
    log(`Temporal server ${address} (its log: ${serverLog})`);

    await runScript(
      'setup-namespace',
      SETUP_NAMESPACE_SCRIPT,
      {
        PATH: `${cliDir}${delimiter}${process.env.PATH ?? ''}`,
        HOME: homedir(),
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        NAMESPACE_RETENTION,
        SEARCH_ATTRIBUTES: searchAttributeList(),
      },
      join(logDir, 'setup-namespace.log'),
      300_000,
    );

    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace });

    const emulator = await startEmulator({
      token: options.token,
      host: '127.0.0.1',
      callbackRetryScheduleMs: [0, 200, 500, 1_000, 2_000, 5_000],
    });
    cleanups.push(() => emulator.close());
    log(`Swedbank Pay emulator ${emulator.baseUrl}`);

    const temporalEnv = {
      PATH: process.env.PATH ?? '',
      HOME: homedir(),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
    };
    const callbackPort = await freePort();
    const callbacks = track(
      startProcess('callbacks', process.execPath, ['--import', 'tsx', CLI_ENTRY, 'callbacks'], {
        cwd: PROJECT_ROOT,
        env: {
          ...temporalEnv,
          SWEDBANK_PAY_CALLBACK_HOST: '127.0.0.1',
          SWEDBANK_PAY_CALLBACK_PORT: String(callbackPort),
        },
        logFile: join(logDir, 'callbacks.log'),
      }),
    );
    cleanups.push(() => callbacks.stop('SIGTERM', 15_000));
    const callbackUrl = (await callbacks.waitForLine(/callback receiver at http/, 120_000)).replace(
      /^.*callback receiver at (\S+).*$/,
      '$1',
    );
    log(`callback receiver ${callbackUrl}`);

    const workers: WorkerProcess[] = [];
    const startWorker = async (index: number): Promise<WorkerProcess> => {
      await workers[index]?.process.stop('SIGTERM', 15_000);
      const managed = track(
        startProcess(`worker ${index + 1}`, process.execPath, ['--import', 'tsx', CLI_ENTRY, 'worker'], {
          cwd: PROJECT_ROOT,
          env: {
            ...temporalEnv,
            TEMPORAL_TASK_QUEUE: taskQueue,
            SWEDBANK_PAY_BASE_URL: emulator.baseUrl,
            SWEDBANK_PAY_TOKEN: options.token,
            WORKER_SHUTDOWN_GRACE_MS: '5000',
            ...options.workerEnv,
          },
          logFile: join(logDir, `worker-${index + 1}.log`),
        }),
      );
      const worker = { index, process: managed, identity: `${managed.pid}@${hostname()}` };
      workers[index] = worker;
      await managed.waitForLine(/worker started/, 180_000);
      log(`worker ${index + 1} running (pid ${managed.pid})`);
      return worker;
    };
    cleanups.push(async () => {
      await Promise.all(workers.map((worker) => worker.process.stop('SIGTERM', 15_000)));
    });
    await Promise.all(Array.from({ length: options.workers ?? 2 }, (_, index) => startWorker(index)));

    return {
      address,
      namespace,
      taskQueue,
      connection,
      client,
      postgres,
      emulator,
      admin: new EmulatorAdmin(emulator.baseUrl),
      callbackUrl,
      workers,
      server: () => server,
      async stopServer() {
        await server.stop('SIGTERM', 60_000);
      },
      async startServer() {
        server = track(await startTemporalServer({ build, configFile, logFile: serverLog, address }));
      },
      startWorker,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
