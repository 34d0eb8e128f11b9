/**
 * Temporal connection settings from the environment, through Temporal's own envconfig: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE and TEMPORAL_CONFIG_FILE (a
 * temporal.toml with profiles), so Temporal Cloud works without code changes. The task queue is this
 * package's own variable, TEMPORAL_TASK_QUEUE.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { EncryptionCodec } from '../codec/encryption.js';
import { TASK_QUEUE } from '../contract/index.js';
import { payloadCodecFromEnv } from './encryption.js';
import { ConfigurationError } from './errors.js';

import type { Environment } from './environment.js';

export type { Environment };

export interface TemporalSettings {
  /** For `NativeConnection.connect` (worker) and `Connection.connect` (client); may hold the API key. */
  connectionOptions: NativeConnectionOptions & { address: string };
  namespace: string;
  taskQueue: string;
  /** Payload encryption (PAYLOAD_ENCRYPTION_KEYS), for every client and worker of these settings. */
  payloadCodec?: EncryptionCodec;
  /** One line for logs: address, namespace, task queue, TLS and API key presence, never the key. */
  description: string;
}

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
/** host:port, the host a name, an IPv4 address or an IPv6 address in brackets. */
export const TEMPORAL_ADDRESS_PATTERN = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

function definedOnly(env: Environment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A TOML parse error (smol-toml's TomlError, which envconfig passes on): where, never what. */
function tomlErrorPosition(err: unknown): { line: number; column: number } | undefined {
  const { line, column } = (err ?? {}) as { line?: unknown; column?: unknown };
  return typeof line === 'number' && typeof column === 'number' ? { line, column } : undefined;
}

/** envconfig's failure as a problem. A TOML parser's message quotes the bad line, which may hold an api_key. */
function envconfigProblem(err: unknown, env: Environment): string {
  const position = tomlErrorPosition(err);
  if (position) {
    const file = env.TEMPORAL_CONFIG_FILE;
    const named = file === undefined ? 'the default temporal.toml' : `TEMPORAL_CONFIG_FILE ${file}`;
    return `${named} is not valid TOML (line ${position.line}, column ${position.column})`;
  }
  // envconfig's own messages name files, profiles and keys, never values.
  return `Temporal client configuration (TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE / TEMPORAL_TLS_*): ${
    err instanceof Error ? err.message : String(err)
  }`;
}

/** Reads the settings, or throws a ConfigurationError naming every problem. */
export function temporalSettingsFromEnv(env: Environment = process.env): TemporalSettings {
  const problems: string[] = [];
  let loaded: ReturnType<typeof loadClientConnectConfig> | undefined;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: definedOnly(env) });
  } catch (err) {
    problems.push(envconfigProblem(err, env));
  }
  const address = loaded?.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!TEMPORAL_ADDRESS_PATTERN.test(address)) problems.push(`TEMPORAL_ADDRESS must be host:port, got "${address}"`);
  const namespace = loaded?.namespace ?? 'default';
  if (namespace.trim() === '') problems.push('TEMPORAL_NAMESPACE must not be empty');
  const taskQueue = env.TEMPORAL_TASK_QUEUE ?? TASK_QUEUE;
  if (taskQueue.trim() === '') problems.push('TEMPORAL_TASK_QUEUE must not be empty');
  let payloadCodec: EncryptionCodec | undefined;
  try {
    payloadCodec = payloadCodecFromEnv(env);
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !loaded) throw new ConfigurationError(problems);
  const { connectionOptions } = loaded;
  const tls = connectionOptions.tls !== undefined && connectionOptions.tls !== false;
  return {
    connectionOptions: { ...connectionOptions, address },
    namespace,
    taskQueue,
    ...(payloadCodec && { payloadCodec }),
    description:
      `Temporal ${address}, namespace ${namespace}, task queue ${taskQueue}` +
      `${tls ? ', TLS' : ''}${connectionOptions.apiKey ? ', API key set' : ''}` +
      `${payloadCodec ? `, payloads encrypted (key ${payloadCodec.currentKeyId})` : ''}`,
  };
}
