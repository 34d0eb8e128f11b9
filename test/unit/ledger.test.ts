// The pure ledger: every money rule, exhaustively, plus a property test over random operation
// sequences that checks the invariants against a plain reference model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { RejectionCode } from '../../src/contract/index.js';
import {
  authorizationOutcome,
  decideAbandonment,
  decideHeldAdmission,
  heldRejection,
  type AuthorizationView,
} from '../../src/domain/authorization.js';
import {
  beginTransaction,
  checkInvariants,
  createLedger,
  decideAbort,
  decideCancellation,
  decideAdmission,
  decideCapture,
  decideReversal,
  emptyLedger,
  isFullySettled,
  markAborted,
  remainingToCapture,
  remainingToReverse,
  settleTransaction,
  type Decision,
  type Ledger,
  type TransactionKind,
} from '../../src/domain/ledger.js';

function rejected<T>(decision: Decision<T>): RejectionCode | undefined {
  return decision.ok ? undefined : decision.rejection.code;
}

let refCounter = 0;
function complete(ledger: Ledger, kind: TransactionKind, amount: number, vatAmount = 0): Ledger {
  const payeeReference = `T${++refCounter}`;
  const begun = beginTransaction(ledger, { kind, payeeReference, amount, vatAmount });
  return settleTransaction(begun, payeeReference, { state: 'Completed', amount, number: String(refCounter) });
}

describe('ledger: captures', () => {
  const authorized = createLedger('SEK', 100000);

  it('allows partial captures up to the authorized amount, and not a minor unit more', () => {
    let l = complete(authorized, 'capture', 40000);
    l = complete(l, 'capture', 35000);
    assert.equal(remainingToCapture(l), 25000);
    assert.deepEqual(decideCapture(l, 25000, 0), { ok: true, value: { amount: 25000 } });
    assert.equal(rejected(decideCapture(l, 25001, 0)), 'exceeds-remaining-capture');
    assert.deepEqual(checkInvariants(l), []);
  });

  it('refuses zero, negative, fractional, non-numeric and unsafe amounts', () => {
    for (const amount of [0, -1, 0.5, 100.25, Number.NaN, Infinity, '100', null, undefined, 2 ** 53]) {
      assert.equal(rejected(decideCapture(authorized, amount, 0)), 'invalid-amount', String(amount));
      assert.equal(rejected(decideReversal(authorized, amount, 0)), 'invalid-amount', String(amount));
    }
  });

  it('refuses a VAT amount that is negative, fractional or above the amount', () => {
    for (const vat of [-1, 0.5, 1001, '10', undefined]) {
      assert.equal(rejected(decideCapture(authorized, 1000, vat)), 'invalid-vat-amount', String(vat));
    }
    assert.equal(decideCapture(authorized, 1000, 1000).ok, true);
  });

  it('holds pending captures and cancellations back from what remains', () => {
    const l = beginTransaction(authorized, { kind: 'capture', payeeReference: 'P1', amount: 60000, vatAmount: 0 });
    assert.equal(remainingToCapture(l), 40000);
    assert.equal(rejected(decideCapture(l, 40001, 0)), 'exceeds-remaining-capture');
    const c = beginTransaction(l, { kind: 'cancellation', payeeReference: 'P2', amount: 40000, vatAmount: 0 });
    assert.equal(remainingToCapture(c), 0);
    assert.equal(rejected(decideCapture(c, 1, 0)), 'exceeds-remaining-capture');
  });

  it('gives a failed capture its amount back', () => {
    const l = beginTransaction(authorized, { kind: 'capture', payeeReference: 'F1', amount: 60000, vatAmount: 0 });
    const failed = settleTransaction(l, 'F1', { state: 'Failed', amount: 60000, failedReason: 'declined' });
    assert.equal(remainingToCapture(failed), 100000);
    assert.equal(failed.captured, 0);
    assert.equal(failed.entries[0]?.failedReason, 'declined');
    assert.deepEqual(checkInvariants(failed), []);
  });
});

describe('ledger: cancellations', () => {
  it('cancels exactly the remainder after partial captures', () => {
    let l = createLedger('SEK', 100000);
    l = complete(l, 'capture', 40000);
    l = complete(l, 'capture', 35000);
    assert.deepEqual(decideCancellation(l), { ok: true, value: { amount: 25000 } });
    l = complete(l, 'cancellation', 25000);
    assert.equal(l.cancelled, 25000);
    assert.equal(isFullySettled(l), true);
  });

  it('refuses to cancel when nothing remains', () => {
    const l = complete(createLedger('SEK', 1000), 'capture', 1000);
    assert.equal(rejected(decideCancellation(l)), 'nothing-to-cancel');
  });

  it('refuses to cancel what a pending capture may take', () => {
    const l = beginTransaction(createLedger('SEK', 1000), {
      kind: 'capture',
      payeeReference: 'P',
      amount: 1000,
      vatAmount: 0,
    });
    assert.equal(rejected(decideCancellation(l)), 'nothing-to-cancel');
  });
});

describe('ledger: reversals', () => {
  it('reverses up to what was captured, in parts', () => {
    let l = complete(createLedger('SEK', 100000), 'capture', 40000);
    assert.equal(rejected(decideReversal(l, 40001, 0)), 'exceeds-remaining-reversal');
    l = complete(l, 'reversal', 15000);
    assert.equal(remainingToReverse(l), 25000);
    l = complete(l, 'reversal', 25000);
    assert.equal(rejected(decideReversal(l, 1, 0)), 'exceeds-remaining-reversal');
    assert.deepEqual(checkInvariants(l), []);
  });

  it('refuses any reversal before a capture completes, and holds pending reversals back', () => {
    const authorized = createLedger('SEK', 1000);
    assert.equal(rejected(decideReversal(authorized, 1, 0)), 'exceeds-remaining-reversal');
    const pendingCapture = beginTransaction(authorized, {
      kind: 'capture',
      payeeReference: 'PC',
      amount: 1000,
      vatAmount: 0,
    });
    assert.equal(rejected(decideReversal(pendingCapture, 1, 0)), 'exceeds-remaining-reversal');
    const captured = complete(authorized, 'capture', 1000);
    const pending = beginTransaction(captured, { kind: 'reversal', payeeReference: 'PR', amount: 600, vatAmount: 0 });
    assert.equal(rejected(decideReversal(pending, 401, 0)), 'exceeds-remaining-reversal');
    assert.equal(decideReversal(pending, 400, 0).ok, true);
  });
});

describe('ledger: abort', () => {
  it('is allowed before any successful transaction, also after a failed one', () => {
    const l = createLedger('SEK', 1000);
    assert.equal(decideAbort(l).ok, true);
    const begun = beginTransaction(l, { kind: 'capture', payeeReference: 'F', amount: 10, vatAmount: 0 });
    assert.equal(rejected(decideAbort(begun)), 'abort-not-allowed', 'not while pending');
    const failed = settleTransaction(begun, 'F', { state: 'Failed', amount: 10 });
    assert.equal(decideAbort(failed).ok, true);
  });

  it('is refused after a capture, a cancellation or a reversal', () => {
    assert.equal(rejected(decideAbort(complete(createLedger('SEK', 1000), 'capture', 1))), 'abort-not-allowed');
    assert.equal(rejected(decideAbort(complete(createLedger('SEK', 1000), 'cancellation', 1000))), 'abort-not-allowed');
  });

  it("is refused once the payer's authorization was seen completing (it is a successful transaction)", () => {
    const l: Ledger = { ...createLedger('SEK', 1000), authorizedByPayer: true };
    assert.equal(rejected(decideAbort(l)), 'abort-not-allowed');
    assert.equal(decideCancellation(l).ok, true, 'cancelling is the way out');
  });

  it('closes the payment: nothing to capture, cancel or abort afterwards', () => {
    const l = markAborted(createLedger('SEK', 1000));
    assert.equal(rejected(decideCapture(l, 1, 0)), 'payment-aborted');
    assert.equal(rejected(decideCancellation(l)), 'payment-aborted');
    assert.equal(rejected(decideAbort(l)), 'payment-aborted');
    assert.equal(remainingToCapture(l), 0);
    assert.equal(isFullySettled(l), true);
  });
});

describe('ledger: bookkeeping', () => {
  it('refuses a reused payeeReference and a second, different outcome', () => {
    const l = beginTransaction(createLedger('SEK', 1000), {
      kind: 'capture',
      payeeReference: 'A',
      amount: 1,
      vatAmount: 0,
    });
    assert.throws(() => beginTransaction(l, { kind: 'capture', payeeReference: 'A', amount: 1, vatAmount: 0 }));
    const done = settleTransaction(l, 'A', { state: 'Completed', amount: 1 });
    assert.equal(settleTransaction(done, 'A', { state: 'Completed', amount: 1 }), done, 'same outcome twice: no-op');
    assert.throws(() => settleTransaction(done, 'A', { state: 'Failed', amount: 1 }));
    assert.throws(() => settleTransaction(done, 'missing', { state: 'Completed', amount: 1 }));
  });

  it('refuses an authorized amount that is not a positive integer', () => {
    for (const bad of [0, -5, 10.5]) assert.throws(() => createLedger('SEK', bad), RangeError);
  });
});

describe('ledger: admission behind queued operations', () => {
  const l = createLedger('SEK', 10_000);

  it('holds queued captures and cancellations back from later captures', () => {
    assert.equal(
      rejected(
        decideAdmission(l, [{ kind: 'capture', amount: 6_000 }], { kind: 'capture', amount: 4_001, vatAmount: 0 }),
      ),
      'exceeds-remaining-capture',
    );
    assert.equal(
      decideAdmission(l, [{ kind: 'capture', amount: 6_000 }], { kind: 'capture', amount: 4_000, vatAmount: 0 }).ok,
      true,
    );
    assert.equal(
      rejected(decideAdmission(l, [{ kind: 'cancellation' }], { kind: 'capture', amount: 1, vatAmount: 0 })),
      'exceeds-remaining-capture',
    );
    assert.equal(
      rejected(decideAdmission(l, [{ kind: 'cancellation' }], { kind: 'cancellation' })),
      'nothing-to-cancel',
    );
  });

  it('lets a return follow its queued shipment, but never beyond it', () => {
    const queued = [{ kind: 'capture' as const, amount: 3_000 }];
    assert.equal(decideAdmission(l, queued, { kind: 'reversal', amount: 3_000, vatAmount: 0 }).ok, true);
    assert.equal(
      rejected(decideAdmission(l, queued, { kind: 'reversal', amount: 3_001, vatAmount: 0 })),
      'exceeds-remaining-reversal',
    );
    const both = [...queued, { kind: 'reversal' as const, amount: 2_000 }];
    assert.equal(
      rejected(decideAdmission(l, both, { kind: 'reversal', amount: 1_001, vatAmount: 0 })),
      'exceeds-remaining-reversal',
    );
  });

  it('refuses abort behind other operations and everything behind an abort', () => {
    assert.equal(
      rejected(decideAdmission(l, [{ kind: 'capture', amount: 1 }], { kind: 'abort' })),
      'abort-not-allowed',
    );
    assert.equal(decideAdmission(l, [], { kind: 'abort' }).ok, true);
    assert.equal(
      rejected(decideAdmission(l, [{ kind: 'abort' }], { kind: 'capture', amount: 1, vatAmount: 0 })),
      'payment-aborted',
    );
  });

  it('checks amounts first', () => {
    assert.equal(rejected(decideAdmission(l, [], { kind: 'capture', amount: 1.5, vatAmount: 0 })), 'invalid-amount');
    assert.equal(
      rejected(decideAdmission(l, [], { kind: 'reversal', amount: 100, vatAmount: 101 })),
      'invalid-vat-amount',
    );
  });
});

describe('ledger: the authorization phase', () => {
  type Tx = AuthorizationView['transactions'][number];
  const view = (paymentState: AuthorizationView['paymentState'], transactions: Tx[] = [], abortAvailable = true) => ({
    paymentState,
    transactions,
    abortAvailable,
  });
  const auth = (state: Tx['state'], amount: number, failedReason?: string): Tx => ({
    type: 'Authorization',
    state,
    amount,
    ...(failedReason !== undefined && { failedReason }),
  });

  it('an authorized payment is worth what Swedbank Pay authorized, whatever was announced', () => {
    assert.deepEqual(authorizationOutcome(view('Ready', [auth('Completed', 80_000)])), {
      kind: 'authorized',
      amount: 80_000,
    });
    // A declined attempt before the one that went through changes nothing.
    assert.deepEqual(
      authorizationOutcome(view('Ready', [auth('Failed', 100_000, 'declined'), auth('Completed', 100_000)])),
      {
        kind: 'authorized',
        amount: 100_000,
      },
    );
    const l = createLedger('SEK', 80_000);
    assert.equal(rejected(decideCapture(l, 80_001, 0)), 'exceeds-remaining-capture');
  });

  it('a declined attempt is not the end while the payment is Ready; a Failed payment is', () => {
    assert.deepEqual(authorizationOutcome(view('Ready')), { kind: 'pending', failedAttempts: 0 });
    assert.deepEqual(authorizationOutcome(view('Ready', [auth('Failed', 1_000, 'declined')])), {
      kind: 'pending',
      failedAttempts: 1,
    });
    assert.deepEqual(authorizationOutcome(view('Pending', [auth('AwaitingActivity', 1_000)])), {
      kind: 'pending',
      failedAttempts: 0,
    });
    assert.deepEqual(authorizationOutcome(view('Failed', [auth('Failed', 1_000, 'Card expired')])), {
      kind: 'failed',
      reason: 'Card expired',
    });
    assert.equal(authorizationOutcome(view('Failed')).kind, 'failed', 'failed without a transaction to show');
  });

  it('aborted wins, and a zero authorization is no authorization', () => {
    assert.deepEqual(authorizationOutcome(view('Aborted', [auth('Completed', 1_000)])), { kind: 'aborted' });
    assert.equal(authorizationOutcome(view('Ready', [auth('Completed', 0)])).kind, 'pending');
    assert.equal(
      authorizationOutcome(view('Ready', [{ type: 'Verification', state: 'Completed', amount: 1_000 }])).kind,
      'pending',
      'only authorizations authorize',
    );
  });

  it('an unpaid payment may be aborted only while Ready, offering abort, without a successful transaction', () => {
    assert.equal(decideAbandonment(view('Ready')).ok, true);
    assert.equal(
      decideAbandonment(view('Ready', [auth('Failed', 1_000)])).ok,
      true,
      'a declined attempt is no success',
    );
    assert.equal(rejected(decideAbandonment(view('Ready', [auth('Completed', 1_000)]))), 'abort-not-allowed');
    assert.equal(rejected(decideAbandonment(view('Pending', [auth('Initialized', 1_000)]))), 'abort-not-allowed');
    assert.equal(rejected(decideAbandonment(view('Ready', [], false))), 'abort-not-allowed');
    assert.equal(rejected(decideAbandonment(view('Aborted'))), 'payment-aborted');
    assert.equal(rejected(decideAbandonment(view('Failed'))), 'abort-not-allowed');
  });

  it('holds any well-formed amount (it is judged once authorized), but keeps an abort first and alone', () => {
    assert.equal(decideHeldAdmission([], { kind: 'capture', amount: 10 ** 12, vatAmount: 0 }).ok, true);
    assert.equal(
      decideHeldAdmission([{ kind: 'capture', amount: 10 ** 12 }], { kind: 'capture', amount: 1, vatAmount: 0 }).ok,
      true,
    );
    assert.equal(
      decideHeldAdmission([{ kind: 'capture', amount: 1 }], { kind: 'reversal', amount: 5, vatAmount: 0 }).ok,
      true,
    );
    assert.equal(decideHeldAdmission([], { kind: 'cancellation' }).ok, true);
    assert.equal(rejected(decideHeldAdmission([], { kind: 'capture', amount: 0.5, vatAmount: 0 })), 'invalid-amount');
    assert.equal(
      rejected(decideHeldAdmission([], { kind: 'capture', amount: 10, vatAmount: 11 })),
      'invalid-vat-amount',
    );
    assert.equal(decideHeldAdmission([], { kind: 'abort' }).ok, true);
    assert.equal(rejected(decideHeldAdmission([{ kind: 'cancellation' }], { kind: 'abort' })), 'abort-not-allowed');
    assert.equal(
      rejected(decideHeldAdmission([{ kind: 'abort' }], { kind: 'capture', amount: 1, vatAmount: 0 })),
      'payment-aborted',
    );
  });

  it('every held request of a payment never authorized gets one stable code per ending', () => {
    assert.equal(heldRejection({ kind: 'failed', reason: 'Card expired' }).code, 'authorization-failed');
    assert.match(heldRejection({ kind: 'failed', reason: 'Card expired' }).message, /Card expired/);
    assert.equal(heldRejection({ kind: 'abandoned' }).code, 'payment-abandoned');
    assert.equal(heldRejection({ kind: 'aborted' }).code, 'payment-aborted');
  });

  it('before the authorization the ledger is empty: nothing to capture, cancel or reverse', () => {
    const l = emptyLedger('SEK');
    assert.equal(remainingToCapture(l), 0);
    assert.equal(rejected(decideCapture(l, 1, 0)), 'exceeds-remaining-capture');
    assert.equal(rejected(decideCancellation(l)), 'nothing-to-cancel');
    assert.equal(rejected(decideReversal(l, 1, 0)), 'exceeds-remaining-reversal');
    assert.deepEqual(checkInvariants(l), []);
  });
});

describe('ledger: properties', () => {
  type Step =
    | { op: 'capture'; amount: number; fail: boolean }
    | { op: 'cancel'; fail: boolean }
    | { op: 'reverse'; amount: number; fail: boolean };
  const step = fc.oneof(
    fc.record({ op: fc.constant('capture' as const), amount: fc.integer({ min: -5, max: 60000 }), fail: fc.boolean() }),
    fc.record({ op: fc.constant('cancel' as const), fail: fc.boolean() }),
    fc.record({ op: fc.constant('reverse' as const), amount: fc.integer({ min: -5, max: 60000 }), fail: fc.boolean() }),
  );

  it('no sequence of decided operations breaks an invariant or disagrees with a plain model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150000 }),
        fc.array(step, { maxLength: 30 }),
        (authorized, steps: Step[]) => {
          let l = createLedger('SEK', authorized);
          const model = { captured: 0, cancelled: 0, reversed: 0 };
          let n = 0;
          for (const s of steps) {
            const ref = `R${++n}`;
            const decision =
              s.op === 'capture'
                ? decideCapture(l, s.amount, 0)
                : s.op === 'cancel'
                  ? decideCancellation(l)
                  : decideReversal(l, s.amount, 0);
            const modelRemaining = authorized - model.captured - model.cancelled;
            const modelAllows =
              s.op === 'capture'
                ? s.amount > 0 && s.amount <= modelRemaining
                : s.op === 'cancel'
                  ? modelRemaining > 0
                  : s.amount > 0 && s.amount <= model.captured - model.reversed;
            assert.equal(decision.ok, modelAllows, `${s.op} ${JSON.stringify(s)}`);
            if (!decision.ok) continue;
            const kind: TransactionKind =
              s.op === 'cancel' ? 'cancellation' : s.op === 'capture' ? 'capture' : 'reversal';
            const amount = decision.value.amount;
            l = beginTransaction(l, { kind, payeeReference: ref, amount, vatAmount: 0 });
            l = settleTransaction(l, ref, { state: s.fail ? 'Failed' : 'Completed', amount });
            if (!s.fail)
              model[kind === 'capture' ? 'captured' : kind === 'cancellation' ? 'cancelled' : 'reversed'] += amount;
            assert.deepEqual(checkInvariants(l), []);
          }
          assert.equal(l.captured, model.captured);
          assert.equal(l.cancelled, model.cancelled);
          assert.equal(l.reversed, model.reversed);
        },
      ),
      { numRuns: 500, seed: 20261121 },
    );
  });
});
