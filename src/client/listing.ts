/**
 * Listing payments from Temporal's visibility store: the filter, checked and turned into a query
 * that can only narrow the payment workflows, and what each entry shows.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import {
  CAPTURED_AMOUNT,
  INSTRUMENT,
  NEEDS_ATTENTION,
  ORDER_ID,
  PAYMENT_STATE,
  PAYMENT_STATUSES,
  PAYMENT_WORKFLOW_TYPE,
  paymentIdOfWorkflowId,
  REMAINING_AMOUNT,
} from '../contract/index.js';
import { orderIdProblem } from '../domain/input.js';
import { InvalidListFilterError } from './errors.js';

export interface PaymentListFilter {
  /** SwedbankPayPaymentState, e.g. `PartiallyCaptured` (one of PAYMENT_STATUSES). */
  state?: string;
  orderId?: string;
  needsAttention?: boolean;
  /** `Running` (default), `Completed`, …, or `any`. */
  executionStatus?: string;
  /** At most this many entries: a positive integer; default 100. */
  limit?: number;
}

/** One payment as visibility sees it (search attributes; no call to the workflow). */
export interface PaymentListEntry {
  workflowId: string;
  paymentId?: string;
  orderId?: string;
  state?: string;
  instrument?: string;
  capturedAmount?: number;
  remainingAmount?: number;
  needsAttention: boolean;
  executionStatus: string;
  startTime: Date;
}

export const DEFAULT_LIST_LIMIT = 100;

/** Temporal's execution statuses as a visibility query names them, and `any`. */
const EXECUTION_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
  'any',
] as const;

const FILTER_FIELDS = ['state', 'orderId', 'needsAttention', 'executionStatus', 'limit'];

function oneOf(field: string, value: unknown, allowed: readonly string[]): string[] {
  return value === undefined || allowed.includes(value as string)
    ? []
    : [`${field} must be one of ${allowed.join(', ')}`];
}

/** What is wrong with a filter; empty when it is fine. */
export function listFilterProblems(filter: unknown): string[] {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return ['the filter must be an object'];
  const f = filter as Record<string, unknown>;
  const problems: string[] = [];
  const unknownFields = Object.keys(f).filter((k) => !FILTER_FIELDS.includes(k));
  if (unknownFields.length > 0) problems.push(`unknown fields: ${unknownFields.slice(0, 5).join(', ')}`);
  problems.push(...oneOf('state', f.state, PAYMENT_STATUSES));
  problems.push(...oneOf('executionStatus', f.executionStatus, EXECUTION_STATUSES));
  const { orderId, needsAttention, limit } = f;
  const orderIdWrong = orderId === undefined ? undefined : orderIdProblem(orderId);
  if (orderIdWrong) problems.push(orderIdWrong);
  if (needsAttention !== undefined && typeof needsAttention !== 'boolean') {
    problems.push('needsAttention must be true or false');
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && (limit as number) > 0)) {
    problems.push('limit must be a positive integer');
  }
  return problems;
}

/** Quotes a value for a visibility query. */
function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The visibility query for a filter: always only payment workflows. A filter that is not one throws
 * InvalidListFilterError, so no value can add a clause of its own.
 */
export function listQuery(filter: PaymentListFilter = {}): string {
  const problems = listFilterProblems(filter);
  if (problems.length > 0) throw new InvalidListFilterError(problems);
  const clauses = [`WorkflowType = ${quoted(PAYMENT_WORKFLOW_TYPE)}`];
  const status = filter.executionStatus ?? 'Running';
  if (status !== 'any') clauses.push(`ExecutionStatus = ${quoted(status)}`);
  if (filter.state !== undefined) clauses.push(`${PAYMENT_STATE.name} = ${quoted(filter.state)}`);
  if (filter.orderId !== undefined) clauses.push(`${ORDER_ID.name} = ${quoted(filter.orderId)}`);
  if (filter.needsAttention !== undefined) clauses.push(`${NEEDS_ATTENTION.name} = ${filter.needsAttention}`);
  return clauses.join(' AND ');
}

export function toListEntry(info: WorkflowExecutionInfo): PaymentListEntry {
  const attributes = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    paymentId: paymentIdOfWorkflowId(info.workflowId),
    orderId: attributes.get(ORDER_ID),
    state: attributes.get(PAYMENT_STATE),
    instrument: attributes.get(INSTRUMENT),
    capturedAmount: attributes.get(CAPTURED_AMOUNT),
    remainingAmount: attributes.get(REMAINING_AMOUNT),
    needsAttention: attributes.get(NEEDS_ATTENTION) ?? false,
    executionStatus: info.status.name,
    startTime: info.startTime,
  };
}
