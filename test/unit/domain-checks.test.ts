// The pure checks every message and input goes through, without Temporal: total (any JSON value gets
// a verdict, never an exception), and each rule where it bites.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { callbackHint, checkCallback, MAX_RESOURCE_PATH_LENGTH } from '../../src/domain/callback.js';
import { inputProblems } from '../../src/domain/input.js';
import { createLedger } from '../../src/domain/ledger.js';
import { currentDetails, markdownText } from '../../src/domain/view.js';
import { expiryDueProblem, policyProblems } from '../../src/domain/policy.js';
import { paymentStartOptions } from '../../src/client/start-options.js';
import {
  checkAbortRequest,
  checkCancelRequest,
  checkCaptureRequest,
  checkDeleteTokenRequest,
  checkReversalRequest,
  defaultDescription,
  truncateDescription,
} from '../../src/domain/requests.js';
import { buildCaptureRequest } from '../../src/swedbank/requests.js';
import { checkOperationRequest } from '../../src/domain/requests.js';

const DAY = 86_400_000;
const PAYMENT = '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c';
const valid = { paymentId: PAYMENT, orderId: '1001', currency: 'SEK', authorizedAmount: 1_000 };

describe('request checks', () => {
  it('take references as text: no control characters or half characters, any language', () => {
    const capture = (reference: string, bounded?: boolean) =>
      checkOperationRequest('capture', { amount: 1, vatAmount: 0, reference }, 'creditcard', true, bounded);
    for (const reference of ['S-1001', 'Återköp 2 ✓', '発送-1', 'a'.repeat(100)]) {
      assert.equal(capture(reference).ok, true, reference);
    }
    for (const reference of ['\u0000', 'line\nbreak', '\uD800', 'tab\there', '\u009b[31m']) {
      const checked = capture(reference);
      assert.match(checked.ok ? '' : checked.rejection.message, /^reference must be 1 to 100 characters of text/);
      assert.equal(capture(reference, false).ok, true, 'runs from before the change replay as they ran');
    }
    assert.equal(capture('a'.repeat(101), false).ok, false, 'the length was always checked');
    assert.deepEqual(inputProblems({ ...valid, orderId: 'order\n1' }), [
      'orderId must be text without control characters',
    ]);
    assert.deepEqual(inputProblems({ ...valid, orderId: 'order\n1' }, { bounded: false }), []);
    assert.deepEqual(inputProblems({ ...valid, orderId: 'order\n1' }, { baseline: true }), [], 'as the first release');
  });

  it('are total: any JSON gets a verdict, never an exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (raw, signal) => {
        for (const instrument of ['creditcard', 'invoice', 'paymentorder'] as const) {
          checkCaptureRequest(raw, instrument, signal);
          checkReversalRequest(raw, instrument, signal);
        }
        checkCancelRequest(raw, signal);
        checkAbortRequest(raw, signal);
        checkDeleteTokenRequest(raw, signal);
        checkCallback(raw, PAYMENT);
      }),
      { numRuns: 2_000 },
    );
  });

  it('what an invoice capture check accepts, Swedbank Pay request schema accepts too', () => {
    const line = fc.record({ amount: fc.integer({ min: 1, max: 10_000 }), description: fc.string({ maxLength: 45 }) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 2500 }), (items, rate) => {
        const amount = items.reduce((s, i) => s + i.amount, 0);
        const vatAmount = Math.floor((amount * rate) / 10_000);
        const request = {
          amount,
          vatAmount,
          itemDescriptions: items,
          vatSummary: [{ amount, vatPercent: rate, vatAmount }],
        };
        const checked = checkCaptureRequest(request, 'invoice', false);
        if (checked.ok)
          assert.doesNotThrow(() => buildCaptureRequest('invoice', { ...checked.value, payeeReference: 'P1' }));
      }),
      { numRuns: 500 },
    );
  });

  it('invoice lines that are not lists of lines are refused, whatever they are', () => {
    const base = { amount: 100, vatAmount: 20, vatSummary: [{ amount: 100, vatPercent: 2500, vatAmount: 20 }] };
    for (const itemDescriptions of ['lines', [null], [{}], 5, null, [{ amount: 100, description: '' }]]) {
      const checked = checkCaptureRequest({ ...base, itemDescriptions }, 'invoice', false);
      assert.equal(checked.ok, false, JSON.stringify(itemDescriptions));
      assert.equal(!checked.ok && checked.rejection.code, 'invalid-request');
    }
    const checked = checkCaptureRequest(
      { ...base, itemDescriptions: [{ amount: 100, description: 'x' }], vatSummary: 5 },
      'invoice',
      false,
    );
    assert.equal(!checked.ok && checked.rejection.code, 'invalid-request');
  });

  it('cuts the default description at 40 characters without splitting a character', () => {
    const reference = `order-${'😀'.repeat(30)}`;
    const description = defaultDescription('Capture', reference);
    assert.ok(description.length <= 40);
    assert.equal(description, truncateDescription(description), 'already short enough');
    assert.doesNotMatch(description, /[\uD800-\uDBFF]$/, 'no half of a surrogate pair at the end');
    assert.equal(Array.from(description).join(''), description);
    const checked = checkCaptureRequest({ amount: 100, vatAmount: 0, reference }, 'creditcard', false);
    assert.ok(checked.ok && checked.value.description === description);
  });

  it('refuses a description with half a character in it', () => {
    const checked = checkCaptureRequest({ amount: 100, vatAmount: 0, description: 'abc\uD83D' }, 'creditcard', false);
    assert.equal(!checked.ok && checked.rejection.code, 'invalid-request');
  });
});

describe('callback checks', () => {
  it('bound the ids of a legacy callback, which go on into the signal and the log', () => {
    const transaction = `${PAYMENT}/transactions/9a8b7c6d-1111-2222-3333-444455556666`;
    const body = (paymentId: string, transactionId: string) => ({
      payment: { id: paymentId, number: 1 },
      transaction: { id: transactionId, number: 2 },
    });
    assert.ok(callbackHint(body(PAYMENT, transaction)));
    const longest = `/psp/${'a'.repeat(MAX_RESOURCE_PATH_LENGTH - 5)}`;
    assert.ok(callbackHint(body(PAYMENT, longest)), 'at the bound');
    assert.equal(callbackHint(body(PAYMENT, `${longest}a`)), undefined, 'one past it');
    const huge = `/psp/creditcard/payments/${'a'.repeat(14_000)}`;
    assert.equal(callbackHint(body(huge, transaction)), undefined);
    assert.equal(callbackHint(body(PAYMENT, `${PAYMENT}/transactions/${'b'.repeat(14_000)}`)), undefined);
    assert.equal(checkCallback(body(huge, transaction), huge)?.code, 'invalid-request');
    assert.equal(checkCallback(body(huge, transaction), huge, false), undefined, 'as runs before replay');
  });
});

describe('policy checks', () => {
  it('bounds every number: continue-as-new every event, durations past any date', () => {
    assert.match(
      policyProblems({ continueAsNewAfterEvents: 1 }, 'creditcard').join(),
      /continueAsNewAfterEvents must be from 40/,
    );
    assert.match(policyProblems({ reversalWindowMs: 8.64e15 }, 'creditcard').join(), /reversalWindowMs must be from/);
    assert.match(
      policyProblems({ authorizationValidityMs: 181 * DAY }, 'creditcard').join(),
      /authorizationValidityMs/,
    );
    assert.match(
      policyProblems({ authorizationExpiresAt: '+275760-09-13T00:00:00.000Z' }, 'creditcard').join(),
      /2000 to 9000/,
    );
  });

  it('checks fields against each other: a lead time longer than the validity would cancel everything at once', () => {
    assert.match(
      policyProblems({ authorizationValidityMs: DAY, expiryLeadTimeMs: 2 * DAY }, 'creditcard').join(),
      /expiryLeadTimeMs must be shorter than policy.authorizationValidityMs/,
    );
    assert.match(
      policyProblems({ expiryLeadTimeMs: 8 * DAY }, 'creditcard').join(),
      /shorter than/,
      'against the default 7 days',
    );
    assert.deepEqual(policyProblems({ expiryLeadTimeMs: 8 * DAY }, 'invoice'), [], 'invoices default to 30 days');
    assert.match(policyProblems({ pollInitialMs: 5_000, pollMaxMs: 1_000 }, 'creditcard').join(), /pollMaxMs/);
  });

  it('refuses names every object inherits (constructor, toString, __proto__) as unknown fields', () => {
    for (const field of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      const policy = JSON.parse(`{"${field}": {"deep": [1, 2, 3]}}`) as unknown;
      assert.match(policyProblems(policy, 'creditcard').join(), /unknown fields/, field);
      if (field !== '__proto__') {
        assert.deepEqual(policyProblems(policy, 'creditcard', true, false), [], 'runs from before the change');
      }
    }
  });

  it('refuses, at the starter, an explicit expiry whose lead time has begun when the policy cancels', () => {
    const now = Date.UTC(2026, 10, 27, 12);
    const at = (ms: number) => new Date(now + ms).toISOString();
    assert.match(
      expiryDueProblem({ authorizationExpiresAt: at(-DAY) }, 'creditcard', now) ?? '',
      /would be cancelled at once/,
    );
    assert.match(
      expiryDueProblem({ authorizationExpiresAt: at(DAY / 2) }, 'creditcard', now) ?? '',
      /would be cancelled at once/,
      'within the default lead time of a day',
    );
    assert.equal(expiryDueProblem({ authorizationExpiresAt: at(2 * DAY) }, 'creditcard', now), undefined);
    assert.equal(
      expiryDueProblem({ authorizationExpiresAt: at(DAY / 2), expiryLeadTimeMs: DAY / 4 }, 'creditcard', now),
      undefined,
    );
    assert.equal(
      expiryDueProblem({ authorizationExpiresAt: at(-DAY), onAuthorizationExpiry: 'flag' }, 'creditcard', now),
      undefined,
      'flagging at once loses nothing',
    );
    assert.equal(expiryDueProblem(undefined, 'creditcard', now), undefined);
    // Only track() applies it: an event addressed by the payment's input must still reach a payment
    // that exists, whatever its expiry.
    const past = { ...valid, policy: { authorizationExpiresAt: new Date(Date.now() - DAY).toISOString() } };
    assert.doesNotThrow(() => paymentStartOptions(past));
  });

  it("keeps the first release's checks for runs it started (replay)", () => {
    assert.deepEqual(policyProblems({ continueAsNewAfterEvents: 1 }, 'creditcard', false), []);
    assert.deepEqual(policyProblems({ continueAsNewAfterEvents: 1.5 }, 'creditcard', false), [
      'policy.continueAsNewAfterEvents must be a positive integer',
    ]);
  });
});

describe('input checks', () => {
  it("refuse a workflow id that is not the payment's, and a carried state from a starter", () => {
    assert.deepEqual(
      inputProblems(valid, { workflowId: 'swedbank-pay-creditcard-5adc265f-f87f-4313-577e-08d3dca1a26c' }),
      [],
    );
    assert.match(
      inputProblems(valid, { workflowId: 'another-chain' }).join(),
      /workflow id must be swedbank-pay-creditcard-5adc/,
    );
    assert.match(inputProblems({ ...valid, carried: {} }).join(), /carried is reserved/);
    assert.deepEqual(
      inputProblems({ ...valid, carried: {} }, { continued: true }),
      [],
      'a continued run carries its own',
    );
  });

  it('refuse unknown fields (a typo would otherwise be ignored) and anything that is not an object', () => {
    assert.match(inputProblems({ ...valid, polciy: {} }).join(), /unknown fields: polciy/);
    for (const input of [null, 'x', 5, [], true])
      assert.deepEqual(inputProblems(input), ['the input must be a JSON object']);
  });

  it('are total', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        inputProblems(input);
        inputProblems(input, { baseline: true });
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('Web UI details', () => {
  it("show the OMS's references and order id as text, never as Markdown (a link, emphasis or a table cell)", () => {
    const details = currentDetails({
      orderId: '[click](https://evil.example)',
      instrument: 'creditcard',
      ledger: createLedger('SEK', 1_000),
      queue: [{ id: 1, kind: 'capture', source: 'signal', status: 'queued', reference: '**S1** | x' }],
      needsAttention: true,
      attentionReasons: ['capture rejected: reference <img src=x>'],
    });
    assert.ok(details.includes('order \\[click\\]\\(https://evil.example\\)'), details);
    assert.ok(details.includes('(\\*\\*S1\\*\\* \\| x)'), details);
    assert.ok(details.includes('reference \\<img src=x\\>'), details);
    assert.equal(markdownText('plain S-1001 text.'), 'plain S-1001 text.');
  });
});
