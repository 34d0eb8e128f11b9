/**
 * `@temporalio/testing`, which starts the dev server and the time-skipping test server, is an optional
 * peer dependency: a project that only runs clients, workers or the callback receiver does not install
 * it. It is loaded here, on first use (so importing the servers' module never needs it), and its
 * absence is one error that says what to install instead of a bare ERR_MODULE_NOT_FOUND.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TemporalTesting from '@temporalio/testing';
import { PROJECT_ROOT } from './binaries.js';

const PEER = '@temporalio/testing';

/** A part of this package needs an optional peer dependency that is not installed. */
export class MissingPeerDependencyError extends Error {
  override name = 'MissingPeerDependencyError';
}

/** The version range this package declares for a peer dependency, from its package.json. */
function declaredRange(name: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
    };
    return manifest.peerDependencies?.[name];
  } catch {
    return undefined;
  }
}

/** Whether `err` says that the package `name` itself (not one of its own imports) cannot be found. */
function isMissingPackage(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${name}'`);
}

async function load(): Promise<typeof TemporalTesting> {
  try {
    return await import('@temporalio/testing');
  } catch (err) {
    if (!isMissingPackage(err, PEER)) throw err;
    const range = declaredRange(PEER);
    throw new MissingPeerDependencyError(
      `swedbank-pay-temporal's Temporal servers (the testing entry point, the dev command) need ${PEER}, ` +
        `an optional peer dependency that is not installed. Install it with the same version as ` +
        `@temporalio/worker: npm install --save-dev ${PEER}${range ? `@${range}` : ''}`,
      { cause: err },
    );
  }
}

let loaded: Promise<typeof TemporalTesting> | undefined;

/** `@temporalio/testing`, or a MissingPeerDependencyError that says how to install it. */
export function temporalTesting(): Promise<typeof TemporalTesting> {
  loaded ??= load();
  return loaded;
}
