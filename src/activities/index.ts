/**
 * The activities a worker registers. A factory, so that later activities can close over the
 * Swedbank Pay client (and its bearer token) without the token ever entering workflow history.
 */
import { describeShipment } from './describe-shipment.js';

export function createActivities() {
  return { describeShipment };
}
