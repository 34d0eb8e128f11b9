// The payment workflow's input check, as JSON from any client language may send it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PaymentWorkflowInput } from '../../src/contract/index.js';
import { inputProblems } from '../../src/domain/input.js';

const valid = { paymentId: '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c', orderId: '1001' };

describe('payment workflow input check', () => {
  it('accepts a minimal input', () => {
    assert.deepEqual(inputProblems(valid), []);
  });

  it('names every payment id form, payment orders included, for one that is not a payment id', () => {
    assert.deepEqual(inputProblems({ ...valid, paymentId: '/psp/swish/payments/1' }), [
      'paymentId must be /psp/paymentorders/{id}, /psp/creditcard/payments/{id} or /psp/invoice/payments/{id}',
    ]);
  });

  it('reports a null payment token (as Java or Go serializers send it) instead of throwing', () => {
    const problems = inputProblems({ ...valid, paymentToken: null });
    assert.deepEqual(problems, ['paymentToken must be an object {type} (or left out)']);
  });

  it('accepts a token given by its type only (contract 1.3)', () => {
    assert.deepEqual(inputProblems({ ...valid, paymentToken: { type: 'RecurrenceToken' } }), []);
  });

  it('refuses a card token value so that it never enters workflow history', () => {
    const input = { ...valid, paymentToken: { token: '5a17c24e-d459-4567-bbad-aa0f17a76119', type: 'PaymentToken' } };
    const problems = inputProblems(input);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^paymentToken\.token must be left out: give only \{type\}/);
    assert.doesNotMatch(problems[0] ?? '', /5a17c24e/, 'the refusal must not echo the token');
  });

  it('still accepts a token value in runs started before contract 1.3, so they replay', () => {
    const input = { ...valid, paymentToken: { token: '5a17c24e-d459-4567-bbad-aa0f17a76119', type: 'PaymentToken' } };
    assert.deepEqual(inputProblems(input, { cardTokenValueRefused: false }), []);
    assert.deepEqual(inputProblems(input, { baseline: true }), []);
  });

  it('checks the token and the close policy types', () => {
    const input = {
      ...valid,
      paymentToken: { token: 'has spaces', type: 'CardToken' },
      policy: { deleteTokenOnClose: 'yes' },
    } as unknown as PaymentWorkflowInput;
    assert.deepEqual(inputProblems(input, { cardTokenValueRefused: false }), [
      'paymentToken.token must be 1 to 64 letters, digits or -',
      'paymentToken.type must be PaymentToken or RecurrenceToken',
      'policy.deleteTokenOnClose must be true or false',
    ]);
  });
});
