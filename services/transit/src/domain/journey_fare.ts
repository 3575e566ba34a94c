// The fare of one journey before capping, with the reason it was chosen. A journey with transfers is priced from
// its origin to its final exit, but never below its dearest leg, so a transfer can save a fare and never game one.
import assert from 'node:assert/strict';
import type { ConcessionClass } from './concession.ts';
import type { CompleteJourney, Journey } from './journeys.ts';
import { minorUnits, zeroMinor, type MinorUnits } from './money.ts';
import type { Network, Station } from './network.ts';
import { zoneFareMinor } from './zone_fare.ts';

export type FareReason =
  | 'zone_fare'
  | 'max_fare_no_tap_out'
  | 'max_fare_time_exceeded'
  | 'unmatched_exit_fare'
  | 'not_due_yet';

export interface PricedJourney {
  readonly journey: Journey;
  readonly fareMinor: MinorUnits;
  readonly fareReason: FareReason;
}

export function priceJourney(journey: Journey, network: Network, concession: ConcessionClass): PricedJourney {
  const rules = journey.rules;
  switch (journey.status) {
    case 'complete':
      return { journey, fareMinor: completeFare(journey, network, concession), fareReason: 'zone_fare' };
    case 'no_tap_out':
      return { journey, fareMinor: minorUnits(rules.maxFareMinor[concession]), fareReason: 'max_fare_no_tap_out' };
    case 'time_exceeded':
      return { journey, fareMinor: minorUnits(rules.maxFareMinor[concession]), fareReason: 'max_fare_time_exceeded' };
    case 'no_tap_in':
      return {
        journey,
        fareMinor: minorUnits(rules.unmatchedExitFareMinor[concession]),
        fareReason: 'unmatched_exit_fare',
      };
    case 'open':
      return { journey, fareMinor: zeroMinor, fareReason: 'not_due_yet' };
  }
}

function completeFare(journey: CompleteJourney, network: Network, concession: ConcessionClass): MinorUnits {
  const fare = (from: string, to: string): bigint =>
    zoneFareMinor(journey.rules, station(network, from), station(network, to), concession);
  const origin = journey.legs[0].tapIn.stationId;
  const destination = journey.legs[journey.legs.length - 1]?.tapOut.stationId ?? origin;
  let highest = fare(origin, destination);
  for (const leg of journey.legs) {
    const legFare = fare(leg.tapIn.stationId, leg.tapOut.stationId);
    if (legFare > highest) highest = legFare;
  }
  return minorUnits(highest);
}

function station(network: Network, id: string): Station {
  const found = network.stations.get(id);
  assert.ok(found !== undefined, `station ${id} was checked by checkTaps`);
  return found;
}
