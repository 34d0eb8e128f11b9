/**
 * OMS references: the shipment id, return id or other key an OMS gives each request, so that an
 * event delivered twice is performed once. A reference names one operation of one kind (a shipment
 * and a return may share an id) and stands for the amounts it was first given.
 */
import type { OperationKind, Rejection } from '../contract/index.js';

export function referenceKey(kind: OperationKind, reference: string): string {
  return `${kind}:${reference}`;
}

/** The amounts a reference stands for. */
export function fingerprint(request: { amount?: number; vatAmount?: number }): string {
  return `${request.amount ?? ''}/${request.vatAmount ?? ''}`;
}

/**
 * Has this request been seen before? `true`: the same operation again (it gets the first one's
 * result); a rejection: the reference was used for other amounts; `false`: new.
 */
export function seenBefore(
  fingerprints: ReadonlyMap<string, string>,
  kind: OperationKind,
  request: { reference?: string; amount?: number; vatAmount?: number },
): boolean | Rejection {
  if (request.reference === undefined) return false;
  const key = referenceKey(kind, request.reference);
  const known = fingerprints.get(key);
  if (known === undefined) return false;
  if (known !== fingerprint(request)) {
    return {
      code: 'reference-reused',
      message: `reference ${request.reference} was used for a ${kind} with other amounts`,
    };
  }
  return true;
}
