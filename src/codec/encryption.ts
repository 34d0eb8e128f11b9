/**
 * Payload encryption for Temporal (a payload codec): every payload the client, the worker, the CLI
 * and the callback receiver write is sealed with AES-256-GCM before it reaches the server, so workflow
 * histories, their exports and backups hold no readable payment data. The payload's metadata names the
 * key it was sealed with, so keys rotate: new payloads use the first key, older ones decode with
 * whichever key they name. Payloads that were never encrypted pass through, so encryption can be
 * turned on for payments already running.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  /** Names the key in every payload it seals: 1-64 of letters, digits, `.`, `_`, `-`. */
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A payload (metadata and data) as bytes, to seal; and back. */
function serialize(payload: Payload): Buffer {
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return Buffer.from(JSON.stringify({ metadata, data: Buffer.from(payload.data ?? []).toString('base64') }));
}

function deserialize(bytes: Buffer): Payload {
  const { metadata, data } = JSON.parse(bytes.toString('utf8')) as { metadata: Record<string, string>; data: string };
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data, 'base64'),
  };
}

export class EncryptionCodec implements PayloadCodec {
  readonly #keys: Map<string, Buffer>;
  readonly #current: EncryptionKey;

  /** `keys[0]` seals new payloads; every key opens the payloads it sealed. */
  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new RangeError('payload encryption needs at least one key');
    for (const k of keys) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(k.id)) throw new RangeError('a key id is 1 to 64 of A-Z a-z 0-9 . _ -');
      if (k.key.length !== 32) throw new RangeError(`key ${k.id} must be 32 bytes (AES-256)`);
    }
    this.#keys = new Map(keys.map((k) => [k.id, Buffer.from(k.key)]));
    if (this.#keys.size !== keys.length) throw new RangeError('key ids must be unique');
    this.#current = keys[0]!;
  }

  /** The id of the key new payloads are sealed with. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, this.#keys.get(this.#current.id)!, iv);
      const sealed = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
      return {
        metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID]: utf8.encode(this.#current.id) },
        data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || text.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = payload.metadata?.[KEY_ID] ? text.decode(payload.metadata[KEY_ID]) : '(none)';
      const key = this.#keys.get(id);
      if (!key) throw new Error(`payload sealed with key "${id.slice(0, 64)}", which is not configured`);
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted payload too short');
      const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const opened = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return deserialize(opened);
    });
  }
}
