/**
 * A throwaway PostgreSQL cluster for the production-shape environment: initdb in a temporary directory,
 * the server on a free port of 127.0.0.1 (no Unix socket outside that directory), password
 * authentication, stopped and deleted at the end. As root it runs as the `postgres` user (PostgreSQL
 * refuses to run as root).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { exitWithin, freePort, PrerequisiteError, startProcess, waitUntil, type ManagedProcess } from './processes.js';

/** Temporal's postgres12 persistence plugin needs PostgreSQL 12 or later. */
const MIN_MAJOR = 12;

export const POSTGRES_INSTALL_ADVICE =
  "PostgreSQL's server programs (initdb, postgres) were not found. Install them: on Debian or Ubuntu " +
  "'sudo apt-get install -y postgresql' (npm test does it itself where it may: as root or with sudo " +
  'without a password); elsewhere PostgreSQL 12 or later with initdb on PATH.';

export interface PostgresBinaries {
  bindir: string;
  major: number;
}

function versionOf(bindir: string): number | undefined {
  try {
    const text = execFileSync(join(bindir, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const major = /\b(\d+)(?:\.\d+)?/.exec(text)?.[1];
    return major === undefined ? undefined : Number(major);
  } catch {
    return undefined;
  }
}

/** initdb on PATH, else the newest Debian-style /usr/lib/postgresql/<major>/bin. */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): PostgresBinaries | undefined {
  const candidates: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb'))) candidates.push(dir);
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((major) => join(debian, major, 'bin')));
  }
  for (const dir of candidates) {
    if (!existsSync(join(dir, 'postgres')) || !existsSync(join(dir, 'pg_isready'))) continue;
    const major = versionOf(dir);
    if (major !== undefined && major >= MIN_MAJOR) return { bindir: dir, major };
  }
  return undefined;
}

/** The uid and gid PostgreSQL runs as: ours, or the `postgres` user's when we are root. */
export function postgresUser(): { uid: number; gid: number; name: string } | undefined {
  const uid = process.getuid?.();
  if (uid !== 0) return { uid: uid ?? -1, gid: process.getgid?.() ?? -1, name: 'the current user' };
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g'), name: 'postgres' };
  } catch {
    return undefined;
  }
}

/** What is missing for a PostgreSQL cluster on this machine, as advice; none when all is there. */
export function postgresProblems(): string[] {
  if (!findPostgres()) return [POSTGRES_INSTALL_ADVICE];
  if (!postgresUser()) {
    return ["Running as root, PostgreSQL needs a 'postgres' user to run as (Debian's postgresql package creates it)."];
  }
  return [];
}

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  major: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** An empty directory for the cluster; made readable for the `postgres` user when run as root. */
  dir: string;
  logDir: string;
  user: string;
  password: string;
}

/** initdb, then the server, waiting (bounded) until it accepts connections. */
export async function startPostgres(options: StartPostgresOptions): Promise<RunningPostgres> {
  const binaries = findPostgres();
  if (!binaries) throw new PrerequisiteError(POSTGRES_INSTALL_ADVICE);
  const owner = postgresUser();
  if (!owner) throw new PrerequisiteError(postgresProblems().join('\n'));
  const asOwner = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
  const { dir, user, password } = options;
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const env = { PATH: `${binaries.bindir}${delimiter}${process.env.PATH ?? ''}`, LANG: 'C', LC_ALL: 'C' };
  const initdb = startProcess(
    'initdb',
    join(binaries.bindir, 'initdb'),
    [
      '--pgdata',
      data,
      '--username',
      user,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=peer',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ],
    { env, cwd: dir, ...asOwner, logFile: join(options.logDir, 'postgresql-initdb.log') },
  );
  const result = await exitWithin(initdb, 120_000);
  if (!result) {
    await initdb.stop('SIGKILL');
    throw new Error(`initdb did not finish within 120 s:\n${initdb.tail()}`);
  }
  if (result.code !== 0)
    throw new Error(`initdb failed (${result.signal ?? `code ${result.code}`}):\n${initdb.tail()}`);

  const port = await freePort();
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets, { mode: 0o700 });
  if (process.getuid?.() === 0) chownSync(sockets, owner.uid, owner.gid);
  const server = startProcess(
    'postgres',
    join(binaries.bindir, 'postgres'),
    [
      '-D',
      data,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `port=${port}`,
      '-c',
      `unix_socket_directories=${sockets}`,
      '-c',
      'max_connections=200',
    ],
    { env, cwd: dir, ...asOwner, logFile: join(options.logDir, 'postgresql.log') },
  );
  const stop = () => server.stop('SIGINT', 60_000); // SIGINT: PostgreSQL's fast shutdown
  try {
    await waitUntil(
      `PostgreSQL accepting connections on 127.0.0.1:${port}`,
      async () => {
        const ready = promisify(execFile)(
          join(binaries.bindir, 'pg_isready'),
          ['-q', '-h', '127.0.0.1', '-p', String(port)],
          { timeout: 5_000 },
        );
        return ready.then(
          () => true,
          () => undefined,
        );
      },
      { timeoutMs: 60_000, process: server },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: '127.0.0.1', port, user, password, major: binaries.major, process: server, stop };
}
