import { formatAmount } from '../domain/amount.js';
import type { Shipment } from '../workflows/order-shipment.js';

export async function describeShipment(orderId: string, shipment: Shipment): Promise<string> {
  return `order ${orderId} · shipment ${shipment.shipmentId} · ${formatAmount(shipment.amount, shipment.currency)}`;
}
