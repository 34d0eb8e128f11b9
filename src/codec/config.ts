/**
 * The codec server's settings from the environment:
 *   PAYLOAD_ENCRYPTION_KEYS(_FILE)  the keys (required: the same as the worker's)
 *   CODEC_SERVER_HOST               default 127.0.0.1
 *   CODEC_SERVER_PORT               default 8090
 *   CODEC_SERVER_ALLOWED_ORIGINS    Web UI origins, comma-separated (default http://localhost:8233,
 *                                   http://127.0.0.1:8233, the dev server's UI)
 *   CODEC_SERVER_TOKEN(_FILE)       a bearer token every request must carry; required when the server
 *                                   listens beyond loopback, unless
 *   CODEC_SERVER_ALLOW_UNAUTHENTICATED  "true": only the allowed origins' browsers, no token (a local trial
 *                                   whose port is published on loopback only, as in the Compose file)
 */
import { readFileSync } from 'node:fs';
import { payloadCodecFromEnv } from '../config/encryption.js';
import { ConfigurationError } from '../config/errors.js';
import type { Environment } from '../config/temporal.js';
import type { EncryptionCodec } from './encryption.js';

export interface CodecServerConfig {
  codec: EncryptionCodec;
  host: string;
  port: number;
  allowedOrigins: string[];
  token?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const DEFAULT_CODEC_PORT = 8090;

function tokenFrom(env: Environment, problems: string[]): string | undefined {
  const file = env.CODEC_SERVER_TOKEN_FILE;
  if (file === undefined) return env.CODEC_SERVER_TOKEN?.trim() || undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    problems.push(`CODEC_SERVER_TOKEN_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return undefined;
  }
}

export function codecServerConfigFromEnv(env: Environment = process.env): CodecServerConfig {
  const problems: string[] = [];
  let codec: EncryptionCodec | undefined;
  try {
    codec = payloadCodecFromEnv(env);
    if (!codec)
      problems.push('PAYLOAD_ENCRYPTION_KEYS (or PAYLOAD_ENCRYPTION_KEYS_FILE) is not set: nothing to decode with');
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    problems.push(...err.problems);
  }
  const host = env.CODEC_SERVER_HOST?.trim() || '127.0.0.1';
  const rawPort = env.CODEC_SERVER_PORT?.trim();
  const port = rawPort ? Number(rawPort) : DEFAULT_CODEC_PORT;
  if (rawPort && !(/^\d{1,5}$/.test(rawPort) && port >= 1 && port <= 65_535)) {
    problems.push(`CODEC_SERVER_PORT must be a port number (1-65535), got "${rawPort}"`);
  }
  const allowedOrigins = (env.CODEC_SERVER_ALLOWED_ORIGINS ?? 'http://localhost:8233,http://127.0.0.1:8233')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      problems.push(
        `CODEC_SERVER_ALLOWED_ORIGINS: "${origin}" is not an origin such as https://temporal-ui.example.com`,
      );
    }
  }
  const token = tokenFrom(env, problems);
  if (env.CODEC_SERVER_TOKEN !== undefined && env.CODEC_SERVER_TOKEN_FILE !== undefined) {
    problems.push('set CODEC_SERVER_TOKEN or CODEC_SERVER_TOKEN_FILE, not both');
  }
  const unauthenticated = env.CODEC_SERVER_ALLOW_UNAUTHENTICATED === 'true';
  if (!token && !LOOPBACK.has(host) && !unauthenticated) {
    problems.push(
      `a codec server on ${host} (beyond loopback) needs CODEC_SERVER_TOKEN: it decrypts payment data ` +
        '(CODEC_SERVER_ALLOW_UNAUTHENTICATED=true only for a trial whose port is published on loopback)',
    );
  }
  if (problems.length > 0 || !codec) throw new ConfigurationError(problems);
  return { codec, host, port, allowedOrigins, ...(token && { token }) };
}
