/** Runs the operation at the head of the queue, one at a time, and retires it with its result. */
import type { OperationResult } from '../../contract/index.js';
import { checkInvariants, type Ledger, type TransactionKind } from '../../domain/ledger.js';
import { finalFulfilmentCancellation } from '../../domain/lifecycle.js';
import type { Runtime } from '../runtime.js';
import type { OperationRecord } from '../carry.js';
import { runAbort } from './abort.js';
import { runDeleteToken } from './delete-token.js';
import { runTransaction } from './transaction.js';

function perform(rt: Runtime, op: OperationRecord, l: Ledger): Promise<OperationResult> {
  switch (op.kind) {
    case 'capture':
    case 'cancellation':
    case 'reversal':
      return runTransaction(rt, op as OperationRecord & { kind: TransactionKind }, l);
    case 'abort':
      return runAbort(rt, op, l);
    case 'delete-token':
      return runDeleteToken(rt, op);
  }
}

export async function run(rt: Runtime, op: OperationRecord, l: Ledger): Promise<void> {
  const { state } = rt;
  op.status = 'running';
  state.refresh();
  const result = await perform(rt, op, l);
  const broken = state.ledger ? checkInvariants(state.ledger) : [];
  if (broken.length > 0) state.flag(`ledger invariant broken after operation ${op.id}: ${broken.join('; ')}`);
  state.retire(op, result);
  // Final fulfilment: once the last shipment is captured, release whatever remains.
  const followUp = finalFulfilmentCancellation(op, result.state, state.ledger);
  if (followUp) state.enqueuePolicy('cancellation', followUp);
  state.refresh();
}
