// What changes for riders when fare rules change: the same riders' taps priced by the fare engine
// (computeStatement) under the rules in force and under a candidate, summed per concession class and overall.
// Aggregates only: no rider, tap or journey leaves this function. Pure.
import { concessionClasses, checkConcession, type ConcessionClass } from './concession.ts';
import type { FareRules, FareSchedule } from './fare_rules.ts';
import { createFareSchedule } from './fare_schedule.ts';
import type { Network } from './network.ts';
import { computeStatement } from './statement.ts';
import type { Tap } from './tap.ts';

export interface PreviewRider {
  readonly concession: string;
  /** In strictly increasing time (checkTaps). */
  readonly taps: readonly Tap[];
}

export interface FarePreviewTotals {
  /** Null for the total over every class. */
  readonly concession: ConcessionClass | null;
  readonly riders: number;
  readonly journeysBefore: number;
  readonly journeysAfter: number;
  readonly revenueBeforeMinor: bigint;
  readonly revenueAfterMinor: bigint;
  readonly ridersPayingMore: number;
  readonly ridersPayingLess: number;
  readonly ridersPayingSame: number;
}

/** A schedule holding only `rules`, in force from `firstServiceDate`: the replayed days are all priced by it. */
export function scheduleOfOnly(
  schedule: FareSchedule,
  rules: FareRules,
  firstServiceDate: string,
  network: Network,
): FareSchedule {
  return createFareSchedule(
    {
      currency: schedule.currency,
      serviceDay: schedule.serviceDay,
      versions: [{ ...rules, effectiveFrom: firstServiceDate }],
    },
    network,
  );
}

/** Adds each rider's week under `before` and `after` (caps start from nothing at the first replayed day). */
export function addToPreview(
  totals: Map<ConcessionClass, FarePreviewTotals>,
  riders: readonly PreviewRider[],
  pricing: { before: FareSchedule; after: FareSchedule; network: Network; asOfMs: number },
): void {
  for (const rider of riders) {
    const concession = checkConcession(rider.concession);
    const priced = (schedule: FareSchedule): { journeys: number; totalMinor: bigint } => {
      const statement = computeStatement({
        schedule,
        network: pricing.network,
        concession,
        taps: rider.taps,
        asOfMs: pricing.asOfMs,
      });
      return { journeys: statement.journeys.length, totalMinor: statement.totalChargedMinor };
    };
    const before = priced(pricing.before);
    const after = priced(pricing.after);
    const sum = totals.get(concession) ?? emptyTotals(concession);
    totals.set(concession, {
      concession,
      riders: sum.riders + 1,
      journeysBefore: sum.journeysBefore + before.journeys,
      journeysAfter: sum.journeysAfter + after.journeys,
      revenueBeforeMinor: sum.revenueBeforeMinor + before.totalMinor,
      revenueAfterMinor: sum.revenueAfterMinor + after.totalMinor,
      ridersPayingMore: sum.ridersPayingMore + (after.totalMinor > before.totalMinor ? 1 : 0),
      ridersPayingLess: sum.ridersPayingLess + (after.totalMinor < before.totalMinor ? 1 : 0),
      ridersPayingSame: sum.ridersPayingSame + (after.totalMinor === before.totalMinor ? 1 : 0),
    });
  }
}

/** Per class in citypass's concession order (classes without riders left out), and the overall total. */
export function previewTotals(totals: ReadonlyMap<ConcessionClass, FarePreviewTotals>): {
  total: FarePreviewTotals;
  byConcession: FarePreviewTotals[];
} {
  const byConcession = concessionClasses.flatMap((concession) => {
    const found = totals.get(concession);
    return found === undefined ? [] : [found];
  });
  const total = byConcession.reduce(
    (sum, part) => ({
      concession: null,
      riders: sum.riders + part.riders,
      journeysBefore: sum.journeysBefore + part.journeysBefore,
      journeysAfter: sum.journeysAfter + part.journeysAfter,
      revenueBeforeMinor: sum.revenueBeforeMinor + part.revenueBeforeMinor,
      revenueAfterMinor: sum.revenueAfterMinor + part.revenueAfterMinor,
      ridersPayingMore: sum.ridersPayingMore + part.ridersPayingMore,
      ridersPayingLess: sum.ridersPayingLess + part.ridersPayingLess,
      ridersPayingSame: sum.ridersPayingSame + part.ridersPayingSame,
    }),
    emptyTotals(null),
  );
  return { total, byConcession };
}

function emptyTotals(concession: ConcessionClass | null): FarePreviewTotals {
  return {
    concession,
    riders: 0,
    journeysBefore: 0,
    journeysAfter: 0,
    revenueBeforeMinor: 0n,
    revenueAfterMinor: 0n,
    ridersPayingMore: 0,
    ridersPayingLess: 0,
    ridersPayingSame: 0,
  };
}
