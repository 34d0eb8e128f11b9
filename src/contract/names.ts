/**
 * The wire contract's names: how an OMS in any language (or the `temporal` CLI) reaches a payment's
 * workflow. Pure: no I/O and nothing of this package, so the OMS client, the workflow, the
 * activities and the CLI share it. Change only with a version note in docs/CONTRACT.md.
 */

/**
 * The wire contract's version: the latest entry of docs/CONTRACT.md's version table (a test checks
 * that the two agree). It versions what crosses the wire, not this package: see CHANGELOG.md for that.
 */
export const CONTRACT_VERSION = '1.5';

export const TASK_QUEUE = 'swedbank-pay';

/** The payment workflow's type (its function name). */
export const PAYMENT_WORKFLOW_TYPE = 'swedbankPayPayment';

/**
 * Which Swedbank Pay API a payment lives in: the legacy card and invoice payment APIs
 * (/psp/creditcard/payments/{id}, /psp/invoice/payments/{id}) or Payment Order v3.1
 * (/psp/paymentorders/{id}), whose payment method (card, Swish, ...) is known once the payer has paid.
 */
export type Instrument = 'creditcard' | 'invoice' | 'paymentorder';

const PAYMENT_ID = /^\/psp\/(creditcard|invoice)\/payments\/([A-Za-z0-9-]{1,64})$/;
const PAYMENT_ORDER_ID = /^\/psp\/paymentorders\/([A-Za-z0-9-]{1,64})$/;

/**
 * The parts of a payment id such as /psp/creditcard/payments/5adc265f-... or
 * /psp/paymentorders/09ccd29a-...; undefined for anything else.
 */
export function parsePaymentId(paymentId: unknown): { instrument: Instrument; id: string } | undefined {
  if (typeof paymentId !== 'string') return undefined;
  const order = PAYMENT_ORDER_ID.exec(paymentId);
  if (order) return { instrument: 'paymentorder', id: order[1]! };
  const match = PAYMENT_ID.exec(paymentId);
  return match ? { instrument: match[1] as Instrument, id: match[2]! } : undefined;
}

/** A payment order (Payment Order v3.1), not a legacy payment. */
export function isPaymentOrderId(paymentId: unknown): boolean {
  return parsePaymentId(paymentId)?.instrument === 'paymentorder';
}

/** What a payment id looks like, for error messages. */
export const PAYMENT_ID_FORMS = '/psp/paymentorders/{id}, /psp/creditcard/payments/{id} or /psp/invoice/payments/{id}';

/**
 * One workflow per payment, its id derived from the Swedbank Pay payment id, so a callback (which
 * carries the payment id) finds the workflow without a lookup table:
 *   /psp/creditcard/payments/5adc265f-...  ->  swedbank-pay-creditcard-5adc265f-...
 *   /psp/paymentorders/09ccd29a-...        ->  swedbank-pay-paymentorder-09ccd29a-...
 */
export function paymentWorkflowId(paymentId: string): string {
  const parsed = parsePaymentId(paymentId);
  if (!parsed) throw new TypeError(`not a Swedbank Pay payment id: ${paymentId}`);
  return `swedbank-pay-${parsed.instrument}-${parsed.id}`;
}

/** The payment id a payment workflow id stands for; undefined for other workflow ids. */
export function paymentIdOfWorkflowId(workflowId: string): string | undefined {
  const match = /^swedbank-pay-(creditcard|invoice|paymentorder)-(.+)$/.exec(workflowId);
  if (!match) return undefined;
  const paymentId =
    match[1] === 'paymentorder' ? `/psp/paymentorders/${match[2]}` : `/psp/${match[1]}/payments/${match[2]}`;
  return parsePaymentId(paymentId) ? paymentId : undefined;
}
