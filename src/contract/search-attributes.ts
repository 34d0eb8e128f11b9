/**
 * Custom search attributes of payment workflows: what operations staff filter on in the Web UI and
 * what the OMS lists payments by. Part of the wire contract; every Temporal namespace that runs these
 * workflows must have them registered (the dev server and the test harness do it on start).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PAYMENT_STATE = defineSearchAttributeKey('SwedbankPayPaymentState', SearchAttributeType.KEYWORD);
export const ORDER_ID = defineSearchAttributeKey('SwedbankPayOrderId', SearchAttributeType.KEYWORD);
export const INSTRUMENT = defineSearchAttributeKey('SwedbankPayInstrument', SearchAttributeType.KEYWORD);
export const CAPTURED_AMOUNT = defineSearchAttributeKey('SwedbankPayCapturedAmount', SearchAttributeType.INT);
export const REMAINING_AMOUNT = defineSearchAttributeKey('SwedbankPayRemainingAmount', SearchAttributeType.INT);
export const NEEDS_ATTENTION = defineSearchAttributeKey('SwedbankPayNeedsAttention', SearchAttributeType.BOOL);

export const SEARCH_ATTRIBUTES = [
  PAYMENT_STATE,
  ORDER_ID,
  INSTRUMENT,
  CAPTURED_AMOUNT,
  REMAINING_AMOUNT,
  NEEDS_ATTENTION,
] as const;
