// The process configuration readers (src/config/): what they refuse, and that a refusal never quotes
// a secret (API key, bearer token, payload encryption key).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { payloadCodecFromEnv } from '../../src/config/encryption.js';
import { ConfigurationError } from '../../src/config/errors.js';
import { swedbankPaySettingsFromEnv } from '../../src/config/swedbank-pay.js';
import { temporalSettingsFromEnv } from '../../src/config/temporal.js';

const dir = mkdtempSync(join(tmpdir(), 'configuration-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The ConfigurationError `read` throws. */
function configurationError(read: () => unknown): ConfigurationError {
  try {
    read();
  } catch (err) {
    assert.ok(err instanceof ConfigurationError, String(err));
    return err;
  }
  assert.fail('expected a ConfigurationError');
}

describe('Temporal settings', () => {
  it('a malformed temporal.toml is named with its line, never with the text of that line', () => {
    const file = join(dir, 'temporal.toml');
    writeFileSync(file, '[profile.default]\naddress = "localhost:7233"\napi_key = "toml-canary-SECRET\n');
    const err = configurationError(() => temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: file }));
    assert.match(err.message, /TEMPORAL_CONFIG_FILE/);
    assert.ok(err.message.includes(file), err.message);
    assert.match(err.message, /line 3\b/);
    assert.doesNotMatch(err.message, /canary|api_key/);
  });
});

/** A random base64 32-byte key whose text before the padding is a valid key id (no + or /). */
function keyThatLooksLikeAnId(): string {
  for (;;) {
    const key = randomBytes(32).toString('base64');
    if (!/[+/]/.test(key)) return key;
  }
}

describe('payload encryption keys', () => {
  it('a bare key without an id is refused and the message holds no part of it', () => {
    const keys = [keyThatLooksLikeAnId(), randomBytes(32).toString('base64'), randomBytes(16).toString('base64')];
    for (const key of keys) {
      const err = configurationError(() => payloadCodecFromEnv({ PAYLOAD_ENCRYPTION_KEYS: key }));
      for (let i = 0; i + 8 <= key.length; i++) {
        assert.ok(!err.message.includes(key.slice(i, i + 8)), 'the message quotes the key');
      }
      assert.match(err.message, /entry 1 is not id=base64key/);
    }
  });

  it('a key of the wrong length is named by its place, and the documented form still reads', () => {
    const err = configurationError(() =>
      payloadCodecFromEnv({ PAYLOAD_ENCRYPTION_KEYS: `k2=${randomBytes(32).toString('base64')},k1=c2hvcnQ=` }),
    );
    assert.deepEqual(err.problems, [
      'PAYLOAD_ENCRYPTION_KEYS entry 2: the key must be 32 bytes, base64 (e.g. openssl rand -base64 32)',
    ]);
    const codec = payloadCodecFromEnv({
      PAYLOAD_ENCRYPTION_KEYS: `k2=${randomBytes(32).toString('base64')}, k1=${randomBytes(32).toString('base64')}`,
    });
    assert.equal(codec?.currentKeyId, 'k2');
  });
});

describe('Swedbank Pay settings', () => {
  it('a token with a control or non-ASCII character is refused at startup, without quoting it', () => {
    for (const token of ['canary\u0007SECRET', 'canary\u0000SECRET', 'canary\u007fSECRET', 'canaryéSECRET']) {
      const err = configurationError(() => swedbankPaySettingsFromEnv({ SWEDBANK_PAY_TOKEN: token }));
      assert.deepEqual(err.problems, [
        'SWEDBANK_PAY_TOKEN must be printable ASCII (a control or non-ASCII character was found)',
      ]);
      assert.doesNotMatch(err.message, /canary|SECRET/);
    }
    const token = `${randomBytes(32).toString('hex')}!~`;
    assert.equal(swedbankPaySettingsFromEnv({ SWEDBANK_PAY_TOKEN: token }).client.token, token);
  });
});
