/**
 * Child processes of the production-shape environment: each one's output goes to its own log file
 * (and the last lines are kept for error messages), every wait is bounded, and every stop ends with
 * SIGKILL if the process does not exit in time.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** A prerequisite is missing from this machine; the message says what to install. */
export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}

const TAIL_LINES = 30;
/** Longer lines (a server's stack traces) are cut in error messages; the log file has them whole. */
const MAX_LINE = 400;

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** The last lines it printed, for error messages. */
  tail(): string;
  /** Resolves with the first output line that matches, bounded; rejects when the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILL. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

export interface StartProcessOptions extends Pick<SpawnOptions, 'cwd' | 'uid' | 'gid'> {
  /** The whole environment of the child (nothing is inherited unless passed). */
  env: NodeJS.ProcessEnv;
  logFile: string;
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: StartProcessOptions,
): ManagedProcess {
  // Appended: a restarted process keeps the log of the one before it.
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches only the parent, which stops the
    // children in order (workers before the server, the server before its database).
    detached: true,
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      lines.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} …` : line);
      if (lines.length > TAIL_LINES) lines.shift();
      for (const listener of listeners) listener(line);
    });
  }
  let spawnError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  }).then((result) => {
    log.end();
    return result;
  });
  let done = false;
  void exited.then(() => (done = true));
  const tail = () => (spawnError ? `${spawnError.message}\n` : '') + lines.join('\n');
  const describeExit = async () => {
    const { code, signal } = await exited;
    return `${name} exited (${signal ?? `code ${code}`}); its last lines (all in ${options.logFile}):\n${tail()}`;
  };
  return {
    name,
    child,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    exited,
    running: () => !done,
    tail,
    async waitForLine(pattern, timeoutMs) {
      let listener: ((line: string) => void) | undefined;
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return seen;
      try {
        return await Promise.race([
          new Promise<string>((resolve) => {
            listener = (line) => pattern.test(line) && resolve(line);
            listeners.add(listener);
          }),
          exited.then(async () => Promise.reject(new Error(await describeExit()))),
          sleep(timeoutMs, undefined, { ref: false }).then(() =>
            Promise.reject(
              new Error(`${name}: no line matching ${pattern} within ${timeoutMs / 1000} s; last lines:\n${tail()}`),
            ),
          ),
        ]);
      } finally {
        if (listener) listeners.delete(listener);
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (done) return;
      child.kill(signal);
      const stopped = await Promise.race([exited.then(() => true), sleep(timeoutMs, false, { ref: false })]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The process's exit, or undefined when it is still running after `timeoutMs`. */
export function exitWithin(
  managed: ManagedProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  return Promise.race([managed.exited, sleep(timeoutMs, undefined, { ref: false })]);
}

/** Polls `probe` until it returns a value, for at most `timeoutMs`; fails early when `process` exits. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs, intervalMs = 250, process }: { timeoutMs: number; intervalMs?: number; process?: ManagedProcess },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (process && !process.running()) {
      const { code, signal } = await process.exited;
      throw new Error(
        `${process.name} exited (${signal ?? `code ${code}`}) before ${what}; its last lines ` +
          `(all in ${process.logFile}):\n${process.tail()}`,
      );
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`${what} not reached within ${timeoutMs / 1000} s${cause}`);
}

/** Binds `port` (0: any) on 127.0.0.1 and releases it: the port it got, or undefined if taken. */
async function tryPort(port: number): Promise<number | undefined> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!bound) return undefined;
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address !== null && typeof address !== 'string' ? address.port : undefined;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const port = await tryPort(0);
  if (port === undefined) throw new Error('no free port on 127.0.0.1');
  return port;
}

/**
 * `count` distinct ports free on 127.0.0.1 below 32768, as Temporal's SQL schema stores membership
 * ports in a smallint. Picked at random from 20000-32767 (below Linux's ephemeral range), bounded.
 */
export async function freeLowPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; attempt < 500 && ports.size < count; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_768);
    if (!ports.has(candidate) && (await tryPort(candidate)) !== undefined) ports.add(candidate);
  }
  if (ports.size < count) throw new Error(`fewer than ${count} free ports between 20000 and 32767 on 127.0.0.1`);
  return [...ports];
}
