/**
 * Tokens a payment order creates when the payer pays (payment, recurrence, unscheduled), and the
 * answers to their deletion (PATCH /psp/paymentorders/{paymentTokens|recurrenceTokens|
 * unscheduledTokens}/{token}), which differ per token type as the portal renders them.
 */
import { randomUUID } from 'node:crypto';
import type { OrderToken, StoredPaymentOrder } from './model.js';
import { inputError, ok, refuse, type OrderResult } from './problems.js';
import type { TokenType } from './schemas.js';

export const MASKED_PAN = '492500******0004';
export const CARD_EXPIRY = '12/2030';

/** The path segment of each token type (matched case-insensitively). */
export const TOKEN_PATH_SEGMENTS: Record<string, TokenType> = {
  paymenttokens: 'payment',
  recurrencetokens: 'recurrence',
  unscheduledtokens: 'unscheduled',
};

export function newTokens(order: StoredPaymentOrder): OrderToken[] {
  const card = order.instrument === 'CreditCard';
  return order.tokenTypes.map((type) => ({
    type,
    token: randomUUID(),
    orderId: order.id,
    instrument: order.instrument,
    name: card ? MASKED_PAN : '********1234',
    expiryDate: card ? CARD_EXPIRY : '',
    correlationId: randomUUID(),
    deleted: false,
  }));
}

/** paid.tokens[]: every token the order created, deleted or not. */
export function paidTokens(order: StoredPaymentOrder) {
  return order.tokens.map(({ type, token, name, expiryDate }) => ({ type, token, name, expiryDate }));
}

interface InstrumentView {
  instrument: string;
  instrumentDisplayName: string;
  correlationId: string;
  instrumentParameters: Record<string, string>;
}

export type DeletedTokenResource =
  | { token: string; isDeleted: true }
  | ({ token: string } & InstrumentView)
  | ({ paymentToken: string } & InstrumentView);

/** The deletion answer: recurrence `{token, isDeleted}`; unscheduled and payment the instrument's view. */
export function deletedTokenResource(token: OrderToken): DeletedTokenResource {
  if (token.type === 'recurrence') return { token: token.token, isDeleted: true };
  const view: InstrumentView = {
    instrument: token.instrument,
    instrumentDisplayName: token.name,
    correlationId: token.correlationId,
    instrumentParameters: token.instrument === 'CreditCard' ? { cardBrand: 'Visa', expiryDate: token.expiryDate } : {},
  };
  return token.type === 'payment' ? { paymentToken: token.token, ...view } : { token: token.token, ...view };
}

/** Every token the payee's orders created, by token value. */
export class TokenRegistry {
  private tokens = new Map<string, OrderToken>();

  reset(): void {
    this.tokens = new Map();
  }

  add(tokens: readonly OrderToken[]): void {
    for (const token of tokens) this.tokens.set(token.token, token);
  }

  get(token: string): OrderToken | undefined {
    return this.tokens.get(token);
  }

  /** Marks a token deleted; deleting it again answers the same (idempotent). Another type's token is unknown here. */
  delete(type: TokenType, token: string, comment: string): OrderResult<OrderToken> {
    const found = this.tokens.get(token);
    if (!found || found.type !== type) {
      const name = `${type.charAt(0).toUpperCase()}${type.slice(1)}Token`;
      const problems = [{ name, description: `The given ${name} does not exist.` }];
      return refuse(inputError('Input validation failed, error description in problems node!', problems, 404));
    }
    if (!found.deleted) {
      found.deleted = true;
      found.deletedComment = comment;
    }
    return ok(found);
  }
}
