/**
 * Payload encryption from the environment, the same for the worker, the OMS client, the CLI, the
 * callback receiver and the codec server:
 *   PAYLOAD_ENCRYPTION_KEYS       `id=base64key,older-id=base64key`: the first seals new payloads,
 *                                  every one opens what it sealed (rotation: put the new key first)
 *   PAYLOAD_ENCRYPTION_KEYS_FILE  the same, read from a file (a mounted secret)
 * Neither: payloads are not encrypted. Keys are 32 random bytes, e.g. `openssl rand -base64 32`.
 * A key's value never appears in a message.
 */
import { readFileSync } from 'node:fs';
import { EncryptionCodec, type EncryptionKey } from '../codec/encryption.js';
import { ConfigurationError } from './errors.js';
import type { Environment } from './environment.js';

function keysText(env: Environment): { text?: string; problem?: string } {
  const file = env.PAYLOAD_ENCRYPTION_KEYS_FILE;
  if (file === undefined) return { text: env.PAYLOAD_ENCRYPTION_KEYS };
  if (env.PAYLOAD_ENCRYPTION_KEYS !== undefined) {
    return { problem: 'set PAYLOAD_ENCRYPTION_KEYS or PAYLOAD_ENCRYPTION_KEYS_FILE, not both' };
  }
  try {
    return { text: readFileSync(file, 'utf8').trim() };
  } catch (err) {
    return {
      problem: `PAYLOAD_ENCRYPTION_KEYS_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    };
  }
}

function parseKeys(text: string): { keys: EncryptionKey[]; problems: string[] } {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  for (const [i, entry] of text
    .split(',')
    .map((e) => e.trim())
    .entries()) {
    const at = entry.indexOf('=');
    const id = at > 0 ? entry.slice(0, at) : '';
    const key = Buffer.from(at > 0 ? entry.slice(at + 1) : '', 'base64');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      problems.push(
        `PAYLOAD_ENCRYPTION_KEYS entry ${i + 1}: expected id=base64key with an id of 1 to 64 of A-Z a-z 0-9 . _ -`,
      );
    } else if (key.length !== 32) {
      problems.push(`PAYLOAD_ENCRYPTION_KEYS key ${id}: must be 32 bytes, base64 (e.g. openssl rand -base64 32)`);
    } else if (keys.some((k) => k.id === id)) {
      problems.push(`PAYLOAD_ENCRYPTION_KEYS: key id ${id} is given twice`);
    } else {
      keys.push({ id, key });
    }
  }
  return { keys, problems };
}

/** The payload codec the settings ask for, or undefined (no encryption). */
export function payloadCodecFromEnv(env: Environment = process.env): EncryptionCodec | undefined {
  const { text, problem } = keysText(env);
  if (problem) throw new ConfigurationError([problem]);
  if (text === undefined || text.trim() === '') return undefined;
  const { keys, problems } = parseKeys(text);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return new EncryptionCodec(keys);
}
