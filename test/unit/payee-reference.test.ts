import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { paymentKey, payeeReferenceFor } from '../../src/domain/payee-reference.js';

const PAYMENT = '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c';
const SAFE = /^[A-Za-z0-9]{1,30}$/;

describe('payeeReference derivation', () => {
  it('is deterministic, safe and at most 30 characters', () => {
    const ref = payeeReferenceFor(PAYMENT, 'capture', 1);
    assert.equal(ref, payeeReferenceFor(PAYMENT, 'capture', 1));
    assert.match(ref, SAFE);
    assert.match(payeeReferenceFor(PAYMENT, 'reversal', 36 ** 4 - 1), SAFE);
  });

  it('differs per kind and per operation of a payment', () => {
    const refs = new Set<string>();
    for (const kind of ['capture', 'cancellation', 'reversal'] as const) {
      for (let seq = 1; seq <= 200; seq++) refs.add(payeeReferenceFor(PAYMENT, kind, seq));
    }
    assert.equal(refs.size, 600);
  });

  it('never collides between two UUID payments (one-to-one mapping of the UUID)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.integer({ min: 1, max: 5000 }), (a, b, seq) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        const ra = payeeReferenceFor(`/psp/creditcard/payments/${a}`, 'capture', seq);
        const rb = payeeReferenceFor(`/psp/invoice/payments/${b}`, 'capture', seq);
        assert.notEqual(ra, rb);
        assert.match(ra, SAFE);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('handles payment ids that are not UUIDs by hashing them', () => {
    assert.equal(paymentKey('/psp/creditcard/payments/abc').length, 25);
    assert.notEqual(paymentKey('/psp/creditcard/payments/abc'), paymentKey('/psp/creditcard/payments/abd'));
  });

  it('refuses sequence numbers out of range', () => {
    for (const seq of [0, -1, 1.5, 36 ** 4])
      assert.throws(() => payeeReferenceFor(PAYMENT, 'capture', seq), RangeError);
  });
});
