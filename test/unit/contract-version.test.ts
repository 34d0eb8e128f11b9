// The wire contract's version is kept in one place, CONTRACT_VERSION in src/contract/names.ts, and
// docs/CONTRACT.md says the same: in its title, its versioning section and as its latest version note.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONTRACT_VERSION } from '../../src/contract/index.js';

const doc = readFileSync(new URL('../../docs/CONTRACT.md', import.meta.url), 'utf8');

/** The versions of the table under "## Versioning", in the order of its rows. */
function versionTable(text: string): string[] {
  const section = text.split(/^## Versioning$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\|\s*(\d+\.\d+(?:\.\d+)?)\s*\|/gm)].map((match) => match[1]!);
}

describe('contract version', () => {
  it('is a major.minor version', () => {
    assert.match(CONTRACT_VERSION, /^\d+\.\d+$/);
  });

  it("equals docs/CONTRACT.md's latest version note, title and versioning section", () => {
    const versions = versionTable(doc);
    assert.ok(versions.length > 0, 'docs/CONTRACT.md has a version table under "## Versioning"');
    const numeric = (version: string) => version.split('.').map(Number);
    const sorted = [...versions].sort((a, b) => {
      const [x, y] = [numeric(a), numeric(b)];
      return x[0]! - y[0]! || x[1]! - y[1]!;
    });
    assert.deepEqual(versions, sorted, 'the version table lists versions in ascending order');
    assert.equal(versions.at(-1), CONTRACT_VERSION, 'the latest version note is CONTRACT_VERSION');
    assert.match(doc, new RegExp(`^# Wire contract, version ${CONTRACT_VERSION.replace('.', '\\.')}$`, 'm'));
    assert.ok(doc.includes(`This is version ${CONTRACT_VERSION} of the contract.`));
  });
});
