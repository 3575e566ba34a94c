// The explainable record of one journey's charge, as settlement and the resident app see it. Pure.
import assert from 'node:assert/strict';
import type { CapReason, CappedJourney } from './capping.ts';
import type { FareReason } from './journey_fare.ts';
import type { JourneyStatus } from './journeys.ts';
import type { MinorUnits } from './money.ts';
import { serviceDateText } from './service_day.ts';

export interface JourneyCharge {
  /** The id of the journey's first tap. */
  readonly journeyId: string;
  readonly serviceDate: string;
  readonly status: JourneyStatus;
  readonly tapIds: readonly string[];
  readonly entryStationId: string | null;
  readonly exitStationId: string | null;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  readonly rulesVersion: number;
  /** The fare before capping and why it is that fare. */
  readonly fareMinor: MinorUnits;
  readonly fareReason: FareReason;
  /** What is charged after the caps, what the caps took off, and which cap did. */
  readonly chargedMinor: MinorUnits;
  readonly cappedMinor: MinorUnits;
  readonly capReason: CapReason;
}

export function describeJourney(capped: CappedJourney): JourneyCharge {
  const { journey } = capped;
  const taps = journey.legs.flatMap((leg) => [leg.tapIn, leg.tapOut]).filter((tap) => tap !== null);
  const entry = journey.legs[0].tapIn;
  const exit = journey.legs[journey.legs.length - 1]?.tapOut ?? null;
  const first = entry ?? exit;
  assert.ok(first !== null, 'a journey has at least one tap');
  return {
    journeyId: journey.id,
    serviceDate: serviceDateText(journey.serviceDay),
    status: journey.status,
    tapIds: taps.map((tap) => tap.id),
    entryStationId: entry?.stationId ?? null,
    exitStationId: exit?.stationId ?? null,
    startedAtMs: first.atMs,
    endedAtMs: exit?.atMs ?? null,
    rulesVersion: journey.rules.version,
    fareMinor: capped.fareMinor,
    fareReason: capped.fareReason,
    chargedMinor: capped.chargedMinor,
    cappedMinor: capped.cappedMinor,
    capReason: capped.capReason,
  };
}
