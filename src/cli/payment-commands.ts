/**
 * Operator commands on one payment: capture, cancel, reverse, abort, delete-token (each waits for
 * Swedbank Pay's answer, or with --async only hands the request over) and status.
 */
import { PaymentsClient } from '../client/payments-client.js';
import { parsePaymentId, paymentIdOfWorkflowId } from '../contract/index.js';
import type { OperationResult, PaymentWorkflowState } from '../contract/index.js';
import { formatAmount } from '../domain/amount.js';
import { describeResult, INSTRUMENT_LABEL } from '../domain/view.js';
import { minorUnitsOption, stringOption, UsageError, type Command, type Options, type Parsed } from './command.js';

const CONNECTION_HELP = `Temporal connection (envconfig): TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE; task queue TEMPORAL_TASK_QUEUE.`;

const PAYMENT_OPTIONS: Options = { json: { type: 'boolean' } };
const STATUS_DEADLINE_MS = 10_000;

/** The payment's Swedbank Pay id, from the argument: a payment id or its workflow id. */
export function paymentIdArgument(args: Parsed): string {
  const given = args.positionals[0];
  if (!given)
    throw new UsageError(
      'the payment is required: its Swedbank Pay id (/psp/paymentorders/… or /psp/creditcard/payments/…) or workflow id',
    );
  const fromWorkflowId = paymentIdOfWorkflowId(given);
  if (fromWorkflowId) return fromWorkflowId;
  if (parsePaymentId(given)) return given;
  throw new UsageError(`not a payment id or payment workflow id: ${given}`);
}

export async function withPayments<T>(run: (payments: PaymentsClient) => Promise<T>): Promise<T> {
  const payments = await PaymentsClient.connect();
  try {
    return await run(payments);
  } finally {
    await payments.close();
  }
}

export function describeState(s: PaymentWorkflowState): string {
  const c = s.ledger.currency;
  const lines = [
    `payment   ${s.paymentId}`,
    `order     ${s.orderId} (${s.paymentMethod ?? INSTRUMENT_LABEL[s.instrument]})`,
    `status    ${s.status}${s.needsAttention ? '  NEEDS ATTENTION' : ''}`,
    `ledger    authorized ${formatAmount(s.ledger.authorized, c)}, captured ${formatAmount(s.ledger.captured, c)}, ` +
      `cancelled ${formatAmount(s.ledger.cancelled, c)}, reversed ${formatAmount(s.ledger.reversed, c)}`,
    `remaining to capture ${formatAmount(s.remainingToCapture, c)}, to reverse ${formatAmount(s.remainingToReverse, c)}`,
  ];
  for (const reason of s.attentionReasons) lines.push(`attention ${reason}`);
  for (const op of s.queue)
    lines.push(`queued    #${op.id} ${op.kind} ${op.status}${op.reference ? ` ref ${op.reference}` : ''}`);
  for (const op of s.recent) if (op.result) lines.push(`done      #${op.id} ${describeResult(op.result, c)}`);
  return lines.join('\n');
}

interface OperationSpec<T> {
  name: string;
  summary: string;
  /** Extra lines of help about the options. */
  optionHelp: string;
  options: Options;
  /** The request from the options, checked before anything connects. */
  build(args: Parsed): T;
  /** Waits for the answer. */
  execute(payments: PaymentsClient, paymentId: string, request: T & { reference?: string }): Promise<OperationResult>;
  /** Hands the request over (a signal); the reference is required. */
  request(payments: PaymentsClient, paymentId: string, request: T & { reference: string }): Promise<void>;
}

function operationCommand<T>(spec: OperationSpec<T>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    positionals: 1,
    options: { ...PAYMENT_OPTIONS, ...spec.options, reference: { type: 'string' }, async: { type: 'boolean' } },
    help: `Usage: swedbank-pay-temporal ${spec.name} <payment> [options]

${spec.summary}. Waits for Swedbank Pay's final answer and prints it; a request the
payment's rules refuse (over-capture, …) fails with its rule, and nothing is sent.
<payment> is the Swedbank Pay payment id (/psp/paymentorders/…, /psp/creditcard/payments/…) or its
workflow id (swedbank-pay-paymentorder-…, swedbank-pay-creditcard-…).

Options:
${spec.optionHelp}  --reference <r>       your own reference (shipment or return id): the same reference twice
                        performs the operation once
  --async               only hand the request over (a signal; needs --reference), do not wait
  --json                print the result as JSON
  -h, --help            show this help

${CONNECTION_HELP}
`,
    async run(args) {
      const paymentId = paymentIdArgument(args);
      const reference = stringOption(args, 'reference');
      const request = spec.build(args);
      if (args.values.async && !reference) {
        throw new UsageError('--async needs --reference, so a repeated request is harmless');
      }
      await withPayments(async (payments) => {
        if (args.values.async) {
          await spec.request(payments, paymentId, { ...request, reference: reference! });
          console.log(
            args.values.json
              ? JSON.stringify({ accepted: true, reference })
              : `${spec.name} requested (reference ${reference})`,
          );
          return;
        }
        if (!args.values.json) console.error(`${spec.name} on ${paymentId}: waiting for Swedbank Pay…`);
        const result = await spec.execute(payments, paymentId, { ...request, ...(reference && { reference }) });
        console.log(args.values.json ? JSON.stringify(result, null, 2) : describeResult(result));
        if (result.state !== 'Completed') process.exitCode = 1;
      });
    },
  };
}

const AMOUNT_HELP = `  --amount <minor>      amount in minor units (40000 = 400.00 SEK); required
  --vat-amount <minor>  VAT in minor units; required
  --description <text>  at most 40 characters
  --receipt-reference <ref>  payment orders: your receipt or credit note number, 1-30 letters and digits
`;
const amountOptions: Options = {
  amount: { type: 'string' },
  'vat-amount': { type: 'string' },
  description: { type: 'string' },
  'receipt-reference': { type: 'string' },
};

function amounts(args: Parsed) {
  const description = stringOption(args, 'description');
  const receiptReference = stringOption(args, 'receipt-reference');
  return {
    amount: minorUnitsOption(args, 'amount', true),
    vatAmount: minorUnitsOption(args, 'vat-amount', true),
    ...(description !== undefined && { description }),
    ...(receiptReference !== undefined && { receiptReference }),
  };
}

/** An optional text option as a request field. */
function text<K extends string>(args: Parsed, name: string, field: K): Partial<Record<K, string>> {
  const value = stringOption(args, name);
  return (value === undefined ? {} : { [field]: value }) as Partial<Record<K, string>>;
}

export const paymentCommands: Command[] = [
  operationCommand({
    name: 'capture',
    summary: 'Capture part of the authorized amount (a shipment)',
    optionHelp: `${AMOUNT_HELP}  --final               the last shipment: the rest is cancelled after this capture
`,
    options: { ...amountOptions, final: { type: 'boolean' } },
    build: (args) => ({ ...amounts(args), ...(args.values.final === true && { finalFulfilment: true }) }),
    execute: (p, id, request) => p.capture(id, request),
    request: (p, id, request) => p.captureRequested(id, request),
  }),
  operationCommand({
    name: 'cancel',
    summary: 'Cancel whatever remains uncaptured (the order is closed)',
    optionHelp: '  --description <text>  at most 40 characters\n',
    options: { description: { type: 'string' } },
    build: (args) => text(args, 'description', 'description'),
    execute: (p, id, request) => p.cancel(id, request),
    request: (p, id, request) => p.cancelRequested(id, request),
  }),
  operationCommand({
    name: 'reverse',
    summary: 'Reverse (refund) captured money (a return)',
    optionHelp: AMOUNT_HELP,
    options: amountOptions,
    build: amounts,
    execute: (p, id, request) => p.reverse(id, request),
    request: (p, id, request) => p.reversalRequested(id, request),
  }),
  operationCommand({
    name: 'abort',
    summary: 'Abort a payment that has no successful transaction yet',
    optionHelp: '',
    options: {},
    build: () => ({}),
    execute: (p, id, request) => p.abort(id, request),
    request: (p, id, request) => p.abortRequested(id, request),
  }),
  operationCommand({
    name: 'delete-token',
    summary: "Delete the payment's card token so it cannot be used again",
    optionHelp: '  --comment <text>      why (kept by Swedbank Pay)\n',
    options: { comment: { type: 'string' } },
    build: (args) => text(args, 'comment', 'comment'),
    execute: (p, id, request) => p.deleteToken(id, request),
    request: (p, id, request) => p.deleteTokenRequested(id, request),
  }),
  {
    name: 'status',
    summary: "Show one payment's state: ledger, queue, flags",
    positionals: 1,
    options: PAYMENT_OPTIONS,
    help: `Usage: swedbank-pay-temporal status <payment> [--json]

Shows the payment's ledger, remaining amounts, queued and recent operations and why it needs attention.
<payment> is the Swedbank Pay payment id or its workflow id.

${CONNECTION_HELP}
`,
    async run(args) {
      const paymentId = paymentIdArgument(args);
      // A query waits for a worker to answer it; an operator waits ten seconds, not for ever.
      const state = await withPayments((payments) =>
        payments.client.withDeadline(Date.now() + STATUS_DEADLINE_MS, () => payments.state(paymentId)),
      );
      console.log(args.values.json ? JSON.stringify(state, null, 2) : describeState(state));
    },
  },
];
