// Incremental settlement: what to charge or refund, journey by journey, so that what was charged before becomes
// what the latest statement says. Applying the adjustments and recomputing gives none, so settlement that records
// the charged amount per journey is idempotent. A refund never exceeds what that journey was charged. Pure.
import { invalidArgument } from '@citypass/platform/errors';
import { maxFareAmountMinor, minorUnits, type MinorUnits } from './money.ts';
import type { Statement } from './statement.ts';
import { transitReasons } from '@citypass/contracts';

/** What settlement has charged for a journey so far (zero charges need no record). */
export interface ChargedJourney {
  readonly journeyId: string;
  readonly serviceDate: string;
  readonly chargedMinor: bigint;
}

export interface Adjustment {
  readonly journeyId: string;
  readonly serviceDate: string;
  readonly kind: 'charge' | 'refund';
  /** Always positive: the amount to capture or to refund. */
  readonly amountMinor: MinorUnits;
  readonly currency: string;
  readonly previousMinor: MinorUnits;
  readonly chargedMinor: MinorUnits;
}

/** The per-journey charges a statement settles to: the state to record once its adjustments are applied. */
export function chargedJourneys(statement: Statement): ChargedJourney[] {
  return statement.journeys
    .filter((journey) => journey.chargedMinor > 0n)
    .map(({ journeyId, serviceDate, chargedMinor }) => ({ journeyId, serviceDate, chargedMinor }));
}

/**
 * Refunds first, then charges, each in journey order. Journeys charged before but absent from the statement (a late
 * tap merged them into another) are refunded in full; those before the statement's first service day are outside
 * it and left alone.
 */
export function adjustmentsSince(previous: readonly ChargedJourney[], statement: Statement): Adjustment[] {
  const before = previousByJourney(previous);
  const first = statement.firstServiceDate;
  const adjustments: Adjustment[] = [];
  const add = (journeyId: string, serviceDate: string, previousMinor: MinorUnits, chargedMinor: MinorUnits): void => {
    if (previousMinor === chargedMinor) return;
    const kind = chargedMinor > previousMinor ? 'charge' : 'refund';
    const amountMinor = minorUnits(kind === 'charge' ? chargedMinor - previousMinor : previousMinor - chargedMinor);
    adjustments.push({
      journeyId,
      serviceDate,
      kind,
      amountMinor,
      currency: statement.currency,
      previousMinor,
      chargedMinor,
    });
  };
  const current = new Set<string>();
  for (const journey of statement.journeys) {
    current.add(journey.journeyId);
    add(
      journey.journeyId,
      journey.serviceDate,
      before.get(journey.journeyId)?.chargedMinor ?? minorUnits(0n),
      journey.chargedMinor,
    );
  }
  for (const [journeyId, record] of before) {
    const inScope = first !== null && record.serviceDate >= first;
    if (inScope && !current.has(journeyId)) add(journeyId, record.serviceDate, record.chargedMinor, minorUnits(0n));
  }
  return [
    ...adjustments.filter((item) => item.kind === 'refund'),
    ...adjustments.filter((item) => item.kind === 'charge'),
  ];
}

function previousByJourney(
  previous: readonly ChargedJourney[],
): Map<string, { serviceDate: string; chargedMinor: MinorUnits }> {
  const byJourney = new Map<string, { serviceDate: string; chargedMinor: MinorUnits }>();
  for (const record of previous) {
    if (byJourney.has(record.journeyId))
      throw invalidArgument(transitReasons.CHARGED_JOURNEY_DUPLICATE, `journey ${record.journeyId} is listed twice`);
    if (record.chargedMinor < 0n || record.chargedMinor > maxFareAmountMinor) {
      throw invalidArgument(
        transitReasons.CHARGED_AMOUNT_INVALID,
        `journey ${record.journeyId} has an out-of-range charged amount`,
      );
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(record.serviceDate)) {
      throw invalidArgument(
        transitReasons.SERVICE_DATE_INVALID,
        `journey ${record.journeyId} has a service date not written YYYY-MM-DD`,
      );
    }
    byJourney.set(record.journeyId, { serviceDate: record.serviceDate, chargedMinor: minorUnits(record.chargedMinor) });
  }
  return byJourney;
}
