/**
 * Scaffolding that proves the stack end to end (workflow + signal + activity + search attribute on a
 * real server). The payment lifecycle workflow replaces it.
 */
import { condition, defineSignal, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { ORDER_ID } from '../search-attributes.js';

export interface Shipment {
  shipmentId: string;
  amount: number;
  currency: string;
}

export const shippedSignal = defineSignal<[Shipment]>('shipped');

const { describeShipment } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '10 seconds',
});

export async function orderShipmentWorkflow(orderId: string): Promise<string> {
  let shipment: Shipment | undefined;
  setHandler(shippedSignal, (s) => {
    shipment ??= s;
  });
  upsertSearchAttributes([{ key: ORDER_ID, value: orderId }]);
  await condition(() => shipment !== undefined);
  return await describeShipment(orderId, shipment!);
}
