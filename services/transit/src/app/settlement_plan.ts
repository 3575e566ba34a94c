// Pricing a rider's recent taps again with the fare engine and recording the differences from what settlement
// has charged as pending steps (adjustments: charges and refunds per journey).
import { adjustmentsSince, type ChargedJourney } from '../domain/adjustments.ts';
import { checkConcession } from '../domain/concession.ts';
import { rulesForServiceDay } from '../domain/fare_rules.ts';
import { parseServiceDate, serviceDateText, serviceDayOf, msPerMinute } from '../domain/service_day.ts';
import { computeStatement, type DayTotal } from '../domain/statement.ts';
import type { Tap } from '../domain/tap.ts';
import { withTransaction, type Queryable } from '@citypass/platform/pg';
import type { SettlementDeps } from './settlement_deps.ts';

/** Taps are priced again over this many service days before today (a weekly cap's reach); older days are final. */
export const repricedDays = 7;

/** Prices the rider's recent taps again and records the differences as pending steps; the number recorded. */
export async function planSteps(deps: SettlementDeps, residentId: string): Promise<number> {
  const db = deps.pool;
  const nowMs = deps.now();
  const schedule = deps.fares.schedule;
  const rider = (await db.query<{ concession: string; tap_version: string }>(
    'SELECT concession, tap_version FROM riders WHERE resident_id = $1', [residentId])).rows[0];
  if (rider === undefined) return 0;
  const today = serviceDayOf(nowMs, schedule.serviceDay);
  const firstDay = today - repricedDays;
  const taps = await recentTaps(db, residentId, nowMs, (atMs) => serviceDayOf(atMs, schedule.serviceDay) >= firstDay, deps);
  const firstTap = taps[0];
  const firstTapDate = firstTap === undefined ? serviceDateText(today) : serviceDateText(serviceDayOf(firstTap.atMs, schedule.serviceDay));
  // Caps reach back a week from the first priced day: what earlier (final) days charged counts toward them.
  const opening = (await db.query<{ service_date: string; charged: string }>(`
    SELECT service_date::text, sum(charged_minor)::text AS charged FROM journey_charges
     WHERE resident_id = $1 AND service_date >= $2::date - $3::int AND service_date < $2::date GROUP BY service_date`,
  [residentId, firstTapDate, repricedDays])).rows.map((row): DayTotal => ({ serviceDate: row.service_date, chargedMinor: BigInt(row.charged) }));
  const previous = (await db.query<{ journey_id: string; service_date: string; charged_minor: string }>(
    'SELECT journey_id, service_date::text, charged_minor FROM journey_charges WHERE resident_id = $1 AND service_date >= $2',
    [residentId, serviceDateText(firstDay)])).rows.map((row): ChargedJourney => ({ journeyId: row.journey_id, serviceDate: row.service_date, chargedMinor: BigInt(row.charged_minor) }));

  const statement = computeStatement({
    schedule, network: deps.fares.network, concession: checkConcession(rider.concession), taps, asOfMs: nowMs, openingDayTotals: opening,
  });
  const adjustments = adjustmentsSince(previous, statement);
  const openUntil = statement.journeys
    .filter((journey) => journey.status === 'open')
    .map((journey) => journey.startedAtMs + rulesForServiceDay(schedule, parseServiceDate(journey.serviceDate, 'serviceDate')).maxJourneyMinutes * msPerMinute + 1_000);
  const recheckAt = openUntil.length === 0 ? null : new Date(Math.min(...openUntil));
  await withTransaction(deps.pool, async (tx) => {
    for (const adjustment of adjustments) {
      await tx.query(`
        INSERT INTO settlement_steps (resident_id, journey_id, service_date, kind, amount_minor, currency, charged_after_minor, mandate_tap_id, status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $2, 'pending')`,
      [residentId, adjustment.journeyId, adjustment.serviceDate, adjustment.kind, adjustment.amountMinor, adjustment.currency, adjustment.chargedMinor]);
    }
    await tx.query('UPDATE riders SET settled_version = GREATEST(settled_version, $2), recheck_at = $3, updated_at = now() WHERE resident_id = $1',
      [residentId, rider.tap_version, recheckAt]);
  });
  return adjustments.length;
}

/**
 * The rider's taps on the repriced days, in time order. A tap-out that opens the window but closes a journey
 * begun before it belongs to that (final) journey, not to a new exit-only one, so it is left out.
 */
async function recentTaps(db: Queryable, residentId: string, nowMs: number, inWindow: (atMs: number) => boolean, deps: SettlementDeps): Promise<Tap[]> {
  const since = new Date(nowMs - (repricedDays + 2) * 86_400_000);
  const { rows } = await db.query<{ id: string; station_id: string; direction: 'in' | 'out'; tapped_at: Date }>(
    'SELECT id, station_id, direction, tapped_at FROM taps WHERE resident_id = $1 AND tapped_at >= $2 ORDER BY tapped_at, id', [residentId, since]);
  const all = rows.map((row): Tap => ({ id: row.id, stationId: row.station_id, direction: row.direction, atMs: row.tapped_at.getTime() }));
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
