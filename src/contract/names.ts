/**
 * The wire contract's names: how an OMS in any language (or the `temporal` CLI) reaches a payment's
 * workflow. Pure: no I/O and nothing of this package, so the OMS client, the workflow, the
 * activities and the CLI share it. Change only with a version note in docs/CONTRACT.md.
 */

/**
 * The wire contract's version: the latest entry of docs/CONTRACT.md's version table (a test checks
 * that the two agree). It versions what crosses the wire, not this package: see CHANGELOG.md for that.
 */
export const CONTRACT_VERSION = '1.3';

export const TASK_QUEUE = 'swedbank-pay';

/** The payment workflow's type (its function name). */
export const PAYMENT_WORKFLOW_TYPE = 'swedbankPayPayment';

/** The legacy payment instruments whose payments a workflow runs. */
export type Instrument = 'creditcard' | 'invoice';

const PAYMENT_ID = /^\/psp\/(creditcard|invoice)\/payments\/([A-Za-z0-9-]{1,64})$/;

/** The parts of a payment id such as /psp/creditcard/payments/5adc265f-...; undefined for anything else. */
export function parsePaymentId(paymentId: unknown): { instrument: Instrument; id: string } | undefined {
  const match = typeof paymentId === 'string' ? PAYMENT_ID.exec(paymentId) : null;
  return match ? { instrument: match[1] as Instrument, id: match[2]! } : undefined;
}

/**
 * One workflow per payment, its id derived from the Swedbank Pay payment id, so a callback (which
 * carries the payment id) finds the workflow without a lookup table:
 *   /psp/creditcard/payments/5adc265f-...  ->  swedbank-pay-creditcard-5adc265f-...
 */
export function paymentWorkflowId(paymentId: string): string {
  const parsed = parsePaymentId(paymentId);
  if (!parsed) throw new TypeError(`not a Swedbank Pay payment id: ${paymentId}`);
  return `swedbank-pay-${parsed.instrument}-${parsed.id}`;
}

/** The payment id a payment workflow id stands for; undefined for other workflow ids. */
export function paymentIdOfWorkflowId(workflowId: string): string | undefined {
  const match = /^swedbank-pay-(creditcard|invoice)-(.+)$/.exec(workflowId);
  const paymentId = match ? `/psp/${match[1]}/payments/${match[2]}` : undefined;
  return parsePaymentId(paymentId) ? paymentId : undefined;
}
