import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAmount, isMinorUnits } from '../../src/domain/amount.js';

describe('amounts in minor units', () => {
  it('formats minor units with two decimals and the currency', () => {
    assert.equal(formatAmount(100000, 'SEK'), '1000.00 SEK');
    assert.equal(formatAmount(25005, 'NOK'), '250.05 NOK');
    assert.equal(formatAmount(7, 'EUR'), '0.07 EUR');
    assert.equal(formatAmount(0, 'DKK'), '0.00 DKK');
    assert.equal(formatAmount(-40000, 'SEK'), '-400.00 SEK');
  });

  it('refuses fractional amounts rather than rounding money', () => {
    assert.throws(() => formatAmount(10.5, 'SEK'), RangeError);
    assert.throws(() => formatAmount(Number.NaN, 'SEK'), RangeError);
  });

  it('accepts only safe, non-negative integers as minor units', () => {
    assert.equal(isMinorUnits(0), true);
    assert.equal(isMinorUnits(150000), true);
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, '100', null, Number.POSITIVE_INFINITY]) {
      assert.equal(isMinorUnits(bad), false, String(bad));
    }
  });
});
