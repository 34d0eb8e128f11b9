// `postprepare`: npm runs it after this repository's own `npm install` / `npm ci`, never when the
// package is installed as a dependency (from a registry, a tarball or git) and not when packing. The
// repository's development setup installs the Temporal binaries here (install-temporal.ts); consumers'
// installs run nothing of this package. Why not `prepare`: npm runs `prepare` when packing too, and
// lists a tarball or git dependency's `prepare` among the install scripts it asks a consumer to review
// (though it never runs it for them). Never fails: install-temporal.ts says what is missing. Plain
// JavaScript, so that it runs where tsx is not installed (npm ci --omit=dev).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const log = (line) => console.log(`[temporal-binaries] ${line}`);
const root = fileURLToPath(new URL('..', import.meta.url));
const command = process.env.npm_command;

if (process.env.TEMPORAL_SKIP_BINARY_INSTALL) {
  log('TEMPORAL_SKIP_BINARY_INSTALL is set: not installing Temporal binaries');
} else if (!['install', 'ci', 'install-test', 'install-ci-test'].includes(command ?? '')) {
  // Run by hand or by another npm command: nothing to install.
} else if (process.env._PACOTE_NO_PREPARE_ !== undefined) {
  // npm is preparing a git clone of this package as another project's dependency: not our development.
} else if (!existsSync(new URL('./install-temporal.ts', import.meta.url))) {
  log('scripts/install-temporal.ts is missing: not installing Temporal binaries');
} else if (!existsSync(new URL('../node_modules/tsx/package.json', import.meta.url))) {
  log('tsx is not installed (development dependencies omitted?): not installing Temporal binaries');
} else {
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/install-temporal.ts'], { cwd: root, stdio: 'inherit' });
}
