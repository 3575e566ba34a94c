// Money everywhere in citypass: integer minor units (cents for EUR) in a branded bigint, never a float. An amount
// is never negative; direction (debit or credit, charge or refund) is said by what carries it.
import assert from 'node:assert/strict';

export type MinorUnits = bigint & { readonly __brand: 'MinorUnits' };

/** An ISO 4217 alphabetic code's shape (three capital letters); whether a service runs it is the service's call. */
export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code);
}

export function minorUnits(value: bigint): MinorUnits {
  assert.ok(value >= 0n, 'minor units are never negative');
  return value as MinorUnits;
}
