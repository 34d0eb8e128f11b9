/** `list`: payments by state, order id or needs-attention, from Temporal's visibility store. */
import { formatAmount } from '../domain/amount.js';
import type { PaymentListEntry } from '../client/listing.js';
import { stringOption, UsageError, type Command } from './command.js';
import { withPayments } from './payment-commands.js';

function row(entry: PaymentListEntry): string {
  const money = (value: number | undefined) => (value === undefined ? '-' : formatAmount(value, '').trim());
  return [
    entry.paymentId ?? entry.workflowId,
    entry.orderId ?? '-',
    entry.state ?? '-',
    `captured ${money(entry.capturedAmount)}`,
    `remaining ${money(entry.remainingAmount)}`,
    entry.needsAttention ? 'NEEDS ATTENTION' : '',
  ]
    .join('  ')
    .trimEnd();
}

export const listCommand: Command = {
  name: 'list',
  summary: 'List payments by state, order id or needs-attention',
  options: {
    'needs-attention': { type: 'boolean' },
    state: { type: 'string' },
    order: { type: 'string' },
    all: { type: 'boolean' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: `Usage: swedbank-pay-temporal list [options]

Lists payment workflows from Temporal's visibility store (search attributes; updated within seconds).

Options:
  --needs-attention  only payments flagged for a person to look at
  --state <state>    e.g. AwaitingAuthorization, Authorized, PartiallyCaptured, Captured, Cancelled,
                     Reversed, Aborted, AuthorizationFailed, Abandoned
  --order <id>       the OMS's order id
  --all              closed payments too (default: running only)
  --limit <n>        at most n payments (default 100)
  --json             print JSON
  -h, --help         show this help
`,
  async run(args) {
    const limitText = stringOption(args, 'limit');
    if (limitText !== undefined && !/^[1-9]\d{0,5}$/.test(limitText))
      throw new UsageError('--limit must be a positive number');
    const state = stringOption(args, 'state');
    const orderId = stringOption(args, 'order');
    const entries = await withPayments((payments) =>
      payments.list({
        ...(args.values['needs-attention'] === true && { needsAttention: true }),
        ...(state !== undefined && { state }),
        ...(orderId !== undefined && { orderId }),
        ...(args.values.all === true && { executionStatus: 'any' }),
        ...(limitText !== undefined && { limit: Number(limitText) }),
      }),
    );
    if (args.values.json) {
      console.log(JSON.stringify(entries, null, 2));
      return;
    }
    for (const entry of entries) console.log(row(entry));
    console.error(`${entries.length} payment${entries.length === 1 ? '' : 's'}`);
  },
};
