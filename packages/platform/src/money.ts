// Money everywhere in citypass: integer minor units (cents for EUR) in a branded bigint, never a float. An amount
// is never negative; direction (debit or credit, charge or refund) is said by what carries it.
import assert from 'node:assert/strict';

export type MinorUnits = bigint & { readonly __brand: 'MinorUnits' };

export function minorUnits(value: bigint): MinorUnits {
  assert.ok(value >= 0n, 'minor units are never negative');
  return value as MinorUnits;
}
