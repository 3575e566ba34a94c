// The fare engine's entry point: a credential's taps in, its journeys and their capped charges out. Pure: no
// clock (asOfMs is a parameter), no I/O; the same input always gives the same statement.
import { invalidArgument } from '@citypass/platform/errors';
import { applyCaps } from './capping.ts';
import { checkConcession, type ConcessionClass } from './concession.ts';
import type { FareSchedule } from './fare_rules.ts';
import { describeJourney, type JourneyCharge } from './journey_charge.ts';
import { priceJourney } from './journey_fare.ts';
import { groupJourneys } from './journeys.ts';
import { pairLegs } from './legs.ts';
import { maxFareAmountMinor, sumMinor, type MinorUnits } from './money.ts';
import type { Network } from './network.ts';
import { parseServiceDate, serviceDateText, serviceDayOf, type ServiceDay } from './service_day.ts';
import { checkTaps, type Tap } from './tap.ts';
import { transitReasons } from '@citypass/contracts';

export interface DayTotal {
  readonly serviceDate: string;
  readonly chargedMinor: bigint;
}

export interface FareInput {
  readonly schedule: FareSchedule;
  readonly network: Network;
  readonly concession: ConcessionClass;
  /** One credential's taps in strictly increasing time (see inTimeOrder). */
  readonly taps: readonly Tap[];
  /** "Now": decides whether an entry without an exit is still open or already due at the maximum fare. */
  readonly asOfMs: number;
  /** Totals already charged on service days before the first tap's, so caps see a history cut short. */
  readonly openingDayTotals?: readonly DayTotal[];
}

export interface Statement {
  readonly currency: string;
  readonly concession: ConcessionClass;
  readonly asOfMs: number;
  /** The service day of the first tap: journeys before it are outside this statement. Null without taps. */
  readonly firstServiceDate: string | null;
  readonly journeys: readonly JourneyCharge[];
  /** Charged per service day, ascending, opening totals included. */
  readonly dayTotals: readonly DayTotal[];
  /** The sum of the journeys' charges (opening totals excluded). */
  readonly totalChargedMinor: MinorUnits;
}

export const maxOpeningDayTotals = 31;

export function computeStatement(input: FareInput): Statement {
  const { schedule, network, taps, asOfMs } = input;
  const concession = checkConcession(input.concession);
  checkTaps(taps, network, asOfMs);
  const firstDay = taps[0] === undefined ? null : serviceDayOf(taps[0].atMs, schedule.serviceDay);
  const opening = openingTotals(input.openingDayTotals ?? [], firstDay);
  const journeys = groupJourneys(pairLegs(taps, schedule, asOfMs), schedule);
  const capped = applyCaps(
    journeys.map((journey) => priceJourney(journey, network, concession)),
    concession,
    opening,
  );
  const charges = capped.journeys.map(describeJourney);
  const dayTotals = [...capped.dayTotals]
    .sort(([first], [second]) => first - second)
    .map(([day, chargedMinor]) => ({ serviceDate: serviceDateText(day), chargedMinor }));
  return {
    currency: schedule.currency,
    concession,
    asOfMs,
    firstServiceDate: firstDay === null ? null : serviceDateText(firstDay),
    journeys: charges,
    dayTotals,
    totalChargedMinor: sumMinor(charges.map((charge) => charge.chargedMinor)),
  };
}

function openingTotals(totals: readonly DayTotal[], firstDay: ServiceDay | null): Map<ServiceDay, bigint> {
  if (totals.length > maxOpeningDayTotals)
    throw invalidArgument(transitReasons.OPENING_TOTALS_TOO_MANY, `at most ${maxOpeningDayTotals} opening day totals`);
  const byDay = new Map<ServiceDay, bigint>();
  for (const total of totals) {
    const day = parseServiceDate(total.serviceDate, 'openingDayTotals.serviceDate');
    if (total.chargedMinor < 0n || total.chargedMinor > maxFareAmountMinor) {
      throw invalidArgument(
        transitReasons.OPENING_TOTAL_INVALID,
        `the opening total of ${total.serviceDate} is out of range`,
      );
    }
    if (byDay.has(day))
      throw invalidArgument(transitReasons.OPENING_TOTAL_DUPLICATE, `${total.serviceDate} has two opening totals`);
    if (firstDay !== null && day >= firstDay) {
      throw invalidArgument(
        transitReasons.OPENING_TOTAL_NOT_BEFORE_TAPS,
        `${total.serviceDate} is not before the first tap's service day`,
      );
    }
    byDay.set(day, total.chargedMinor);
  }
  return byDay;
}
