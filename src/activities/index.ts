/**
 * The activities a worker registers. A factory over the Swedbank Pay client, so the bearer token
 * stays in the worker's memory and never enters workflow history.
 */
import type { SwedbankPayClient } from '../swedbank/client.js';
import { createPaymentActivities, type PaymentActivitiesOptions } from './payment-activities.js';

export function createActivities(client: SwedbankPayClient, options: PaymentActivitiesOptions = {}) {
  return createPaymentActivities(client, options);
}
