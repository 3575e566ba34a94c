// Money in the fare engine: integer minor units (bigint) of the fare schedule's currency; never a float. Pure.
import { minorUnits, type MinorUnits } from '@citypass/platform/money';

export { minorUnits, type MinorUnits };

export const zeroMinor = 0n as MinorUnits;

/** The largest fare, cap or charge the engine accepts: 1,000,000.00 in a two-decimal currency. */
export const maxFareAmountMinor = 100_000_000n;

export function smallerOf(first: bigint, second: bigint): bigint {
  return first < second ? first : second;
}

/** `value` floored at zero: what is left under a cap that may already be used up. */
export function atLeastZero(value: bigint): MinorUnits {
  return minorUnits(value < 0n ? 0n : value);
}

export function sumMinor(values: Iterable<bigint>): MinorUnits {
  let total = 0n;
  for (const value of values) total += value;
  return minorUnits(total);
}
