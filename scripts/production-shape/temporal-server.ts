/**
 * The Temporal server of the production-shape environment, built from the Go module proxy at the
 * pinned version (src/temporal/versions.ts) and cached per version, with temporal-sql-tool and the
 * PostgreSQL schema files of the same version. Also its config file and its process.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../../src/temporal/binaries.js';
import {
  GO_TOOLCHAIN,
  NUM_HISTORY_SHARDS,
  TEMPORAL_SERVER_MODULE,
  TEMPORAL_SERVER_VERSION,
} from '../../src/temporal/versions.js';
import { freeLowPorts, PrerequisiteError, startProcess, waitUntil, type ManagedProcess } from './processes.js';

/** How long a cold build may take before it is stopped (about 5 to 15 minutes on two cores). */
const BUILD_TIMEOUT_MS = 45 * 60_000;

/** The dynamic config both shapes use (Compose mounts the same file). */
export const DYNAMIC_CONFIG_FILE = join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');

export const GO_INSTALL_ADVICE =
  `Building the Temporal server ${TEMPORAL_SERVER_VERSION} needs Go on PATH: any Go 1.21 or later ` +
  `(https://go.dev/dl/, or Debian's golang-go), which then downloads the pinned ${GO_TOOLCHAIN} toolchain ` +
  `and the server's modules from the Go module proxy (internet access to proxy.golang.org, or GOPROXY). ` +
  `The build takes 5 to 15 minutes once and is cached in ${buildDir()}.`;

export interface TemporalServerBuild {
  dir: string;
  server: string;
  sqlTool: string;
  /** The server module's schema/ directory (postgresql/v12/{temporal,visibility}/versioned). */
  schemaDir: string;
}

function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'swedbank-pay-temporal');
}

/** Where the build of the pinned version lives: one directory per server version and toolchain. */
export function buildDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `temporal-server-${TEMPORAL_SERVER_VERSION}-${GO_TOOLCHAIN}`);
}

function layout(dir: string): TemporalServerBuild {
  return {
    dir,
    server: join(dir, 'bin', 'temporal-server'),
    sqlTool: join(dir, 'bin', 'temporal-sql-tool'),
    schemaDir: join(dir, 'schema'),
  };
}

/** The cached build, if a complete one is there (it is written last, after everything else). */
export function findTemporalServerBuild(env: NodeJS.ProcessEnv = process.env): TemporalServerBuild | undefined {
  const dir = buildDir(env);
  return existsSync(join(dir, 'build.json')) ? layout(dir) : undefined;
}

export function goOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = dir && join(dir, 'go');
    if (candidate && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** What is missing to have the server binary; none when it is cached or Go can build it. */
export function temporalServerProblems(): string[] {
  return findTemporalServerBuild() || goOnPath() ? [] : [GO_INSTALL_ADVICE];
}

function makeWritable(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

/**
 * The cached build, or a new one: `go install` of the server and temporal-sql-tool at the pinned
 * version with the pinned toolchain, then the schema files copied out of the module cache. Bounded;
 * `log` gets a line a minute while it runs.
 */
export async function ensureTemporalServerBuild(log: (line: string) => void): Promise<TemporalServerBuild> {
  const cached = findTemporalServerBuild();
  if (cached) return cached;
  const go = goOnPath();
  if (!go) throw new PrerequisiteError(GO_INSTALL_ADVICE);
  // Only Go 1.21 and later download the toolchain GOTOOLCHAIN names.
  const local = await promisify(execFile)(go, ['env', 'GOVERSION'], {
    env: { ...process.env, GOTOOLCHAIN: 'local' },
    timeout: 30_000,
  }).then(
    ({ stdout }) => stdout.trim(),
    () => 'unknown',
  );
  const goVersion = /^go(\d+)\.(\d+)/.exec(local);
  if (!goVersion || Number(goVersion[1]) < 1 || (Number(goVersion[1]) === 1 && Number(goVersion[2]) < 21)) {
    throw new PrerequisiteError(
      `${go} is ${local || 'of an unknown version'}, which cannot fetch ${GO_TOOLCHAIN}. ${GO_INSTALL_ADVICE}`,
    );
  }
  const final = buildDir();
  const staging = `${final}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'bin'), { recursive: true });
  const logFile = `${final}.build.log`;
  const env = {
    ...process.env,
    GOTOOLCHAIN: GO_TOOLCHAIN,
    GOBIN: join(staging, 'bin'),
    CGO_ENABLED: '0',
  };
  const version = `v${TEMPORAL_SERVER_VERSION}`;
  const packages = [
    `${TEMPORAL_SERVER_MODULE}/cmd/server@${version}`,
    `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@${version}`,
  ];
  log(
    `building the Temporal server ${version} and temporal-sql-tool with ${GO_TOOLCHAIN} ` +
      `(once; cached in ${final}; output in ${logFile})`,
  );
  const started = Date.now();
  const output = createWriteStream(logFile);
  const child = spawn(go, ['install', ...packages], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(output, { end: false });
  child.stderr.pipe(output, { end: false });
  const heartbeat = setInterval(
    () => log(`still building the Temporal server (${Math.round((Date.now() - started) / 60_000)} min)`),
    60_000,
  );
  const timeout = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    output.end();
    if (code !== 0) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-25).join('\n');
      const why =
        signal === 'SIGKILL' ? `stopped after ${BUILD_TIMEOUT_MS / 60_000} minutes` : `exit ${code ?? signal}`;
      throw new Error(`building the Temporal server failed (${why}); the end of ${logFile}:\n${tail}`);
    }
  } finally {
    clearInterval(heartbeat);
    clearTimeout(timeout);
  }
  renameSync(join(staging, 'bin', 'server'), join(staging, 'bin', 'temporal-server'));
  renameSync(join(staging, 'bin', 'sql'), join(staging, 'bin', 'temporal-sql-tool'));

  // The schema files of the same version, from the module `go install` just downloaded.
  const { stdout } = await promisify(execFile)(
    go,
    ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${version}`],
    {
      env,
      timeout: 10 * 60_000,
    },
  );
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  const source = moduleDir && join(moduleDir, 'schema', 'postgresql', 'v12');
  if (!source || !existsSync(source)) throw new Error(`no PostgreSQL schema in the module at ${moduleDir}`);
  cpSync(source, join(staging, 'schema', 'postgresql', 'v12'), { recursive: true });
  makeWritable(join(staging, 'schema')); // the module cache is read-only; the copy need not be
  writeFileSync(
    join(staging, 'build.json'),
    `${JSON.stringify({ module: TEMPORAL_SERVER_MODULE, version, goToolchain: GO_TOOLCHAIN, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  if (existsSync(final))
    rmSync(staging, { recursive: true, force: true }); // another run finished first
  else renameSync(staging, final);
  log(`built the Temporal server ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return layout(final);
}

export interface SqlConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface ServerPorts {
  grpc: number;
  http: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export async function allocateServerPorts(): Promise<ServerPorts> {
  const [
    grpc,
    http,
    frontendMembership,
    history,
    historyMembership,
    matching,
    matchingMembership,
    worker,
    workerMembership,
  ] = (await freeLowPorts(9)) as [number, number, number, number, number, number, number, number, number];
  return {
    grpc,
    http,
    frontendMembership,
    history,
    historyMembership,
    matching,
    matchingMembership,
    worker,
    workerMembership,
  };
}

/**
 * The server's config: PostgreSQL (postgres12 plugin) for the default store and for visibility
 * (advanced visibility: custom search attributes), every service on 127.0.0.1, the shared dynamic config.
 * The same settings Compose gives the temporalio/server image through its environment.
 */
export function serverConfig(sql: SqlConnection, ports: ServerPorts): string {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${sql.host}:${sql.port}`,
      connectProtocol: 'tcp',
      user: sql.user,
      password: sql.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...(httpPort !== undefined && { httpPort }) },
  });
  return stringify({
    log: { stdout: true, level: 'warn' },
    persistence: {
      numHistoryShards: NUM_HISTORY_SHARDS,
      defaultStore: 'default',
      visibilityStore: 'visibility',
      datastores: { default: store('temporal', 20), visibility: store('temporal_visibility', 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(ports.grpc, ports.frontendMembership, ports.http),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.grpc}`,
          httpAddress: `127.0.0.1:${ports.http}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '60s' },
  });
}

/** Waits (bounded) until the frontend answers its gRPC health check with SERVING. */
export async function waitForFrontend(address: string, server: ManagedProcess, timeoutMs = 120_000): Promise<void> {
  await waitUntil(
    `the Temporal frontend serving at ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        const { status } = await connection.withDeadline(Date.now() + 2_000, () =>
          connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
        );
        return Number(status) === 1 ? true : undefined; // 1: SERVING
      } finally {
        await connection.close();
      }
    },
    { timeoutMs, intervalMs: 500, process: server },
  );
}

export interface StartServerOptions {
  build: TemporalServerBuild;
  configFile: string;
  logFile: string;
  address: string;
}

/** Starts the server on its config file and waits until the frontend serves. */
export async function startTemporalServer(options: StartServerOptions): Promise<ManagedProcess> {
  const server = startProcess(
    'temporal-server',
    options.build.server,
    ['--config-file', options.configFile, '--allow-no-auth', 'start'],
    { env: { PATH: process.env.PATH ?? '', HOME: homedir() }, logFile: options.logFile },
  );
  try {
    await waitForFrontend(options.address, server);
  } catch (err) {
    await server.stop('SIGKILL');
    throw err;
  }
  return server;
}
