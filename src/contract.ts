/** Names that an OMS in any language uses to reach the workers: part of the wire contract. */
export const TASK_QUEUE = 'swedbank-pay';
