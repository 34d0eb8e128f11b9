/** Process configuration from the environment: each reader throws a ConfigurationError naming every problem. */
import { ConfigurationError } from './errors.js';

export { ConfigurationError } from './errors.js';
export {
  temporalSettingsFromEnv,
  DEFAULT_TEMPORAL_ADDRESS,
  type TemporalSettings,
  type Environment,
} from './temporal.js';
export { swedbankPaySettingsFromEnv, type SwedbankPaySettings } from './swedbank-pay.js';
export { workerDeploymentFromEnv, type WorkerDeployment } from './deployment.js';
export { workerTuningFromEnv, type WorkerTuning } from './worker-tuning.js';

/** Runs every reader and reports all their problems at once, so one restart fixes them all. */
export function readAll<T extends unknown[]>(...readers: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const values = readers.map((read) => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof ConfigurationError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigurationError(problems);
  return values as T;
}
