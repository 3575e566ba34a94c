// Pricing a rider's recent taps again with the fare engine and recording the differences from what settlement
// has charged as pending steps (adjustments: charges and refunds per journey).
import { adjustmentsSince } from '../domain/adjustments.ts';
import { checkConcession } from '../domain/concession.ts';
import { rulesForServiceDay } from '../domain/fare_rules.ts';
import { parseServiceDate, serviceDateText, serviceDayOf, msPerMinute } from '../domain/service_day.ts';
import { computeStatement } from '../domain/statement.ts';
import type { Tap } from '../domain/tap.ts';
import type { SettlementDeps } from './settlement_deps.ts';

/** Taps are priced again over this many service days before today (a weekly cap's reach); older days are final. */
export const repricedDays = 7;

/** Prices the rider's recent taps again and records the differences as pending steps; the number recorded. */
export async function planSteps(deps: SettlementDeps, residentId: string): Promise<number> {
  const store = deps.store;
  const nowMs = deps.now();
  const schedule = deps.fares.schedule;
  const rider = await store.riders.find(residentId);
  if (rider === undefined) return 0;
  const today = serviceDayOf(nowMs, schedule.serviceDay);
  const firstDay = today - repricedDays;
  const taps = await recentTaps(deps, residentId, nowMs, (atMs) => serviceDayOf(atMs, schedule.serviceDay) >= firstDay);
  const firstTap = taps[0];
  const firstTapDate =
    firstTap === undefined ? serviceDateText(today) : serviceDateText(serviceDayOf(firstTap.atMs, schedule.serviceDay));
  // Caps reach back a week from the first priced day: what earlier (final) days charged counts toward them.
  const opening = await store.journeys.dayTotalsBefore(residentId, firstTapDate, repricedDays);
  const previous = await store.journeys.chargedSince(residentId, serviceDateText(firstDay));

  const statement = computeStatement({
    schedule,
    network: deps.fares.network,
    concession: checkConcession(rider.concession),
    taps,
    asOfMs: nowMs,
    openingDayTotals: opening,
  });
  const adjustments = adjustmentsSince(previous, statement);
  const openUntil = statement.journeys
    .filter((journey) => journey.status === 'open')
    .map(
      (journey) =>
        journey.startedAtMs +
        rulesForServiceDay(schedule, parseServiceDate(journey.serviceDate, 'serviceDate')).maxJourneyMinutes *
          msPerMinute +
        1_000,
    );
  const recheckAtMs = openUntil.length === 0 ? undefined : Math.min(...openUntil);
  await store.transaction(async (tx) => {
    await tx.steps.add(residentId, adjustments);
    await tx.riders.markPriced(residentId, rider.tapVersion, recheckAtMs);
  });
  return adjustments.length;
}

/**
 * The rider's taps on the repriced days, in time order. A tap-out that opens the window but closes a journey
 * begun before it belongs to that (final) journey, not to a new exit-only one, so it is left out.
 */
async function recentTaps(
  deps: SettlementDeps,
  residentId: string,
  nowMs: number,
  inWindow: (atMs: number) => boolean,
): Promise<Tap[]> {
  const all = await deps.store.taps.between(residentId, nowMs - (repricedDays + 2) * 86_400_000);
  const firstIndex = all.findIndex((tap) => inWindow(tap.atMs));
  if (firstIndex < 0) return [];
  const taps = all.slice(firstIndex);
  const before = all[firstIndex - 1];
  const first = taps[0];
  if (first?.direction === 'out' && before?.direction === 'in') {
    const rules = rulesForServiceDay(deps.fares.schedule, serviceDayOf(before.atMs, deps.fares.schedule.serviceDay));
    if (first.atMs - before.atMs <= rules.maxJourneyMinutes * msPerMinute) taps.shift();
  }
  return taps;
}
