/**
 * Worker Versioning (Temporal's worker deployments) from the environment:
 *   TEMPORAL_DEPLOYMENT_NAME   the deployment this worker belongs to, e.g. swedbank-pay
 *   TEMPORAL_WORKER_BUILD_ID   this build's id within it, e.g. the release or commit
 * Both or neither. With them, the worker polls as that deployment version, and the server sends it
 * only the tasks of the deployment's current (or ramping) version: a new build takes over once an
 * operator makes it current (UPGRADING.md). Payment workflows upgrade automatically (AUTO_UPGRADE):
 * every change to their commands is gated with patched() and proven against the archived histories.
 */
import { ConfigurationError } from './errors.js';
import type { Environment } from './temporal.js';

export interface WorkerDeployment {
  deploymentName: string;
  buildId: string;
}

/** Names Temporal takes: printable, no spaces, bounded. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/+@-]{0,254}$/;

export function workerDeploymentFromEnv(env: Environment = process.env): WorkerDeployment | undefined {
  const deploymentName = env.TEMPORAL_DEPLOYMENT_NAME?.trim() || undefined;
  const buildId = env.TEMPORAL_WORKER_BUILD_ID?.trim() || undefined;
  if (deploymentName === undefined && buildId === undefined) return undefined;
  const problems: string[] = [];
  if (deploymentName === undefined || buildId === undefined) {
    problems.push('set TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_WORKER_BUILD_ID together (worker versioning), or neither');
  }
  for (const [name, value] of [
    ['TEMPORAL_DEPLOYMENT_NAME', deploymentName],
    ['TEMPORAL_WORKER_BUILD_ID', buildId],
  ] as const) {
    if (value !== undefined && !NAME.test(value)) {
      problems.push(`${name} must be 1 to 255 letters, digits or _.:/+@- (starting with a letter or digit)`);
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { deploymentName: deploymentName!, buildId: buildId! };
}
