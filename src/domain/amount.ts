/**
 * Money as Swedbank Pay sends it: integers in the currency's minor units (10000 = 100.00 SEK).
 * Pure: no I/O, no Temporal imports; workflows and activities both use it.
 */

/** True for a whole, non-negative number of minor units that is safe to add up exactly. */
export function isMinorUnits(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** "40000, SEK" -> "400.00 SEK". Every currency Swedbank Pay settles in has two decimals. */
export function formatAmount(minorUnits: number, currency: string): string {
  if (!Number.isSafeInteger(minorUnits)) throw new RangeError(`not an amount in minor units: ${minorUnits}`);
  const sign = minorUnits < 0 ? '-' : '';
  const abs = Math.abs(minorUnits);
  const major = Math.floor(abs / 100);
  const minor = String(abs % 100).padStart(2, '0');
  return `${sign}${major}.${minor} ${currency}`;
}
