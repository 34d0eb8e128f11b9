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

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const FORM = 'id=base64key, e.g. k1=<output of openssl rand -base64 32>';

/**
 * One `id=base64key` entry as a key, or what is wrong with it. Messages name the entry by its place,
 * not its id: in a bare key, the text before its `=` padding would be read as the id.
 */
function parseEntry(entry: string, place: number, keys: readonly EncryptionKey[]): EncryptionKey | string {
  const at = entry.indexOf('=');
  const id = at > 0 ? entry.slice(0, at) : '';
  const encoded = at > 0 ? entry.slice(at + 1) : '';
  const named = `PAYLOAD_ENCRYPTION_KEYS entry ${place}`;
  if (/^=*$/.test(encoded)) return `${named} is not ${FORM} (a bare key needs an id in front)`;
  if (!KEY_ID.test(id)) return `${named}: expected ${FORM}, with an id of 1 to 64 of A-Z a-z 0-9 . _ -`;
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32) return `${named}: the key must be 32 bytes, base64 (e.g. openssl rand -base64 32)`;
  if (keys.some((k) => k.id === id)) return `PAYLOAD_ENCRYPTION_KEYS: key id ${id} is given twice`;
  return { id, key };
}

function parseKeys(text: string): { keys: EncryptionKey[]; problems: string[] } {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  for (const [i, entry] of text
    .split(',')
    .map((e) => e.trim())
    .entries()) {
    const parsed = parseEntry(entry, i + 1, keys);
    if (typeof parsed === 'string') problems.push(parsed);
    else keys.push(parsed);
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
