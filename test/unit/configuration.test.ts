// The process configuration readers (src/config/): what they refuse, and that a refusal never quotes
// a secret (API key, bearer token, payload encryption key).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigurationError } from '../../src/config/errors.js';
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
