/**
 * The workflow's own shape checks of a request, run before it is sent: what the workflow would refuse
 * on arrival is refused here with the same code, instead of surfacing later (for a signal) only in
 * the state's rejectedSignals. Whether the payment's state allows the request (the amount left to
 * capture, an earlier reference) only the workflow knows, so that is left to it.
 */
import type { Instrument, OperationKind } from '../contract/index.js';
import { checkOperationRequest, type Checked } from '../domain/requests.js';
import { PaymentRequestRejectedError } from './errors.js';

/**
 * The request as the workflow receives it: through JSON, so a field left `undefined` is absent, as
 * the workflow sees it, rather than an unknown field.
 */
function asReceived(raw: unknown): Checked<unknown> {
  if (raw === undefined) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(raw)) as unknown };
  } catch {
    return { ok: false, rejection: { code: 'invalid-request', message: 'the request must be JSON' } };
  }
}

/**
 * The request's reference, if it gives one; PaymentRequestRejectedError with the workflow's code when
 * the workflow would refuse it. Signals require a reference, updates get one made up.
 */
export function checkRequest(
  paymentId: string,
  instrument: Instrument,
  kind: OperationKind,
  raw: unknown,
  requireReference: boolean,
): { reference?: string } {
  const received = asReceived(raw);
  const checked = received.ok ? checkOperationRequest(kind, received.value, instrument, requireReference) : received;
  if (!checked.ok) {
    throw new PaymentRequestRejectedError(paymentId, checked.rejection.code, checked.rejection.message);
  }
  return checked.value;
}
