// The zone fare between two stations for a concession: a station in two zones is priced from whichever zone
// gives the cheaper fare. Pure.
import assert from 'node:assert/strict';
import type { ConcessionClass } from './concession.ts';
import type { FareRules } from './fare_rules.ts';
import type { Station } from './network.ts';

export function zonePairKey(first: number, second: number): string {
  return first <= second ? `${first}-${second}` : `${second}-${first}`;
}

export function zoneFareMinor(
  rules: FareRules,
  origin: Station,
  destination: Station,
  concession: ConcessionClass,
): bigint {
  let cheapest: bigint | undefined;
  for (const entry of rules.zoneFares) {
    const forward = origin.zones.includes(entry.fromZone) && destination.zones.includes(entry.toZone);
    const backward = origin.zones.includes(entry.toZone) && destination.zones.includes(entry.fromZone);
    const fare = entry.fareMinor[concession];
    if ((forward || backward) && (cheapest === undefined || fare < cheapest)) cheapest = fare;
  }
  assert.ok(
    cheapest !== undefined,
    `fare rules ${rules.version} price ${origin.id} to ${destination.id}: checked by createFareSchedule`,
  );
  return cheapest;
}
