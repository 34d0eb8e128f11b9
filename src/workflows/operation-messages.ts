/**
 * The operations' messages: for each kind, its update and its signal, the shape check each form
 * takes, and when it is judged against the ledger (updates on arrival; signals at their turn, except
 * while the authorization is awaited).
 */
import {
  abortSignal,
  abortUpdate,
  cancelSignal,
  cancelUpdate,
  captureSignal,
  captureUpdate,
  deleteTokenSignal,
  deleteTokenUpdate,
  reverseSignal,
  reverseUpdate,
  type ItemDescription,
  type OperationKind,
  type OrderItem,
  type Rejection,
} from '../contract/index.js';
import type { TransactionKind } from '../domain/ledger.js';
import { checkOperationRequest, type Checked } from '../domain/requests.js';
import { admit, admitLines, admitSignal, admitTokenDeletion } from './admission.js';
import type { PaymentState } from './state.js';

export type Request = {
  reference?: string;
  amount?: number;
  vatAmount?: number;
  orderItems?: OrderItem[];
  itemDescriptions?: ItemDescription[];
};

export interface OperationMessage {
  kind: OperationKind;
  check: (raw: unknown) => Checked<Request>;
  /** Judged on arrival (updates always; signals only while the authorization is awaited). */
  admission: (request: Request) => Rejection | undefined;
}

/** The operations' messages, by update and by signal name. */
export function operationMessages(state: PaymentState) {
  const { instrument } = state;
  // Signals are judged at their turn, except while the authorization is awaited: then the held
  // rules (nothing behind an abort, an abort only alone) apply on arrival, as for updates. Either
  // way a signal needs a number left for it: the last ones are the workflow's own (since the
  // bounded-requests change; runs from before it replay as they ran).
  const held =
    (kind: TransactionKind | 'abort') =>
    (r: Request): Rejection | undefined => {
      const lines = admitLines(state, r);
      if (lines) return lines;
      if (state.awaitingAuthorization()) return admit(state, kind, r.amount, r.vatAmount);
      return state.bounded ? admitSignal(state) : undefined;
    };
  // A message's shape check follows from its kind and form (signals require a reference).
  const form = (kind: OperationKind, signal: boolean, admission: OperationMessage['admission']): OperationMessage => ({
    kind,
    check: (raw) => checkOperationRequest(kind, raw, instrument, signal, state.bounded),
    admission,
  });
  return [
    {
      update: captureUpdate,
      signal: captureSignal,
      asUpdate: form('capture', false, (r) => admitLines(state, r) ?? admit(state, 'capture', r.amount, r.vatAmount)),
      asSignal: form('capture', true, held('capture')),
    },
    {
      update: cancelUpdate,
      signal: cancelSignal,
      asUpdate: form('cancellation', false, () => admit(state, 'cancellation')),
      asSignal: form('cancellation', true, held('cancellation')),
    },
    {
      update: reverseUpdate,
      signal: reverseSignal,
      asUpdate: form('reversal', false, (r) => admitLines(state, r) ?? admit(state, 'reversal', r.amount, r.vatAmount)),
      asSignal: form('reversal', true, held('reversal')),
    },
    {
      update: abortUpdate,
      signal: abortSignal,
      asUpdate: form('abort', false, () => admit(state, 'abort')),
      asSignal: form('abort', true, held('abort')),
    },
    {
      update: deleteTokenUpdate,
      signal: deleteTokenSignal,
      asUpdate: form('delete-token', false, () => admitTokenDeletion(state)),
      asSignal: form('delete-token', true, () => admitTokenDeletion(state)),
    },
  ] as const;
}
