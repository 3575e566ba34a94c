// What residents see: their journeys (priced by the same engine settlement uses, with each journey's settlement
// state) and how close they are to today's and this week's cap. Residents prove who they are with a presentation
// addressed to "transit-account" (not "transit": a presentation shown to read journeys never opens a gate).
import type { PresentationVerifier } from '@citypass/credential';
import type { GetCapProgressResponse, Journey, ListJourneysResponse } from '@citypass/proto/transit/v1/transit';
import { invalidArgument, unauthenticated } from '@citypass/platform/errors';
import type { Pool } from '@citypass/platform/pg';
import { capProgress } from '../domain/cap_progress.ts';
import { checkConcession, type ConcessionClass } from '../domain/concession.ts';
import { parseServiceDate, serviceDateText, serviceDayOf } from '../domain/service_day.ts';
import { computeStatement, type DayTotal, type Statement } from '../domain/statement.ts';
import type { Tap } from '../domain/tap.ts';
import type { FareBook } from './fare_book.ts';

export const accountAudience = 'transit-account';
const maxRangeDays = 31;

export interface RiderDeps {
  readonly pool: Pool;
  readonly fares: FareBook;
  readonly accountVerifier: PresentationVerifier;
  readonly now: () => number;
}

export async function residentOf(deps: RiderDeps, presentation: string | undefined): Promise<{ residentId: string; concession: ConcessionClass }> {
  if (presentation === undefined || presentation === '') {
    throw unauthenticated('PRESENTATION_MISSING', `residents authenticate with a presentation addressed to ${accountAudience}`);
  }
  const verified = await deps.accountVerifier.verify(presentation, { audience: accountAudience });
  return { residentId: verified.subject, concession: checkConcession(verified.concession) };
}

export async function listJourneys(deps: RiderDeps, resident: { residentId: string; concession: ConcessionClass }, from: string, to: string): Promise<ListJourneysResponse> {
  const schedule = deps.fares.schedule;
  const nowMs = deps.now();
  const today = serviceDayOf(nowMs, schedule.serviceDay);
  const lastDay = to === '' ? today : parseServiceDate(to, 'to_service_date');
  const firstDay = from === '' ? lastDay - 6 : parseServiceDate(from, 'from_service_date');
  if (firstDay > lastDay || lastDay - firstDay >= maxRangeDays) {
    throw invalidArgument('DATE_RANGE_INVALID', `from_service_date must be before to_service_date, at most ${maxRangeDays} days`);
  }
  const statement = await statementOf(deps, resident, firstDay - 7, lastDay, nowMs);
  const settlement = await settlementStates(deps.pool, resident.residentId, serviceDateText(firstDay), serviceDateText(lastDay));
  const debt = (await deps.pool.query<{ debt_minor: string }>('SELECT debt_minor FROM deny_list WHERE resident_id = $1', [resident.residentId])).rows[0];
  const journeys = statement.journeys
    .filter((journey) => journey.serviceDate >= serviceDateText(firstDay) && journey.serviceDate <= serviceDateText(lastDay))
    .map((journey): Journey => ({
      journeyId: journey.journeyId,
      serviceDate: journey.serviceDate,
      status: journey.status,
      originStationId: journey.entryStationId ?? '',
      destinationStationId: journey.exitStationId ?? '',
      startedAt: new Date(journey.startedAtMs),
      endedAt: journey.endedAtMs === null ? undefined : new Date(journey.endedAtMs),
      fareMinor: journey.fareMinor,
      chargedMinor: journey.chargedMinor,
      currency: statement.currency,
      settlement: settlementOf(settlement.get(journey.journeyId), journey.chargedMinor),
    }));
  return { journeys, debtMinor: BigInt(debt?.debt_minor ?? '0'), currency: schedule.currency };
}

export async function getCapProgress(deps: RiderDeps, resident: { residentId: string; concession: ConcessionClass }): Promise<GetCapProgressResponse> {
  const schedule = deps.fares.schedule;
  const nowMs = deps.now();
  const today = serviceDayOf(nowMs, schedule.serviceDay);
  const progress = capProgress(await statementOf(deps, resident, today - 6, today, nowMs), schedule);
  return {
    serviceDate: progress.serviceDate,
    currency: progress.currency,
    concession: progress.concession,
    daily: progress.daily,
    weekly: progress.weekly,
    weeklyPeriod: progress.weekly.period,
    weeklyFirstServiceDate: progress.weekly.firstServiceDate,
    weeklyLastServiceDate: progress.weekly.lastServiceDate,
  };
}

/** Prices the resident's taps from `firstDay` to `lastDay`, with the week before counted toward caps. */
async function statementOf(deps: RiderDeps, resident: { residentId: string; concession: ConcessionClass }, firstDay: number, lastDay: number, nowMs: number): Promise<Statement> {
  const schedule = deps.fares.schedule;
  const { rows } = await deps.pool.query<{ id: string; station_id: string; direction: 'in' | 'out'; tapped_at: Date }>(`
    SELECT id, station_id, direction, tapped_at FROM taps
     WHERE resident_id = $1 AND tapped_at >= $2 AND tapped_at < $3 ORDER BY tapped_at, id`,
  [resident.residentId, new Date((firstDay - 1) * 86_400_000), new Date((lastDay + 2) * 86_400_000)]);
  const taps = rows
    .map((row): Tap => ({ id: row.id, stationId: row.station_id, direction: row.direction, atMs: row.tapped_at.getTime() }))
    .filter((tap) => {
      const day = serviceDayOf(tap.atMs, schedule.serviceDay);
      return day >= firstDay && day <= lastDay;
    });
  const first = taps[0];
  const opening: DayTotal[] = first === undefined ? [] : (await deps.pool.query<{ service_date: string; charged: string }>(`
    SELECT service_date::text, sum(charged_minor)::text AS charged FROM journey_charges
     WHERE resident_id = $1 AND service_date >= $2::date - 7 AND service_date < $2::date GROUP BY service_date`,
  [resident.residentId, serviceDateText(serviceDayOf(first.atMs, schedule.serviceDay))])).rows
    .map((row) => ({ serviceDate: row.service_date, chargedMinor: BigInt(row.charged) }));
  return computeStatement({ schedule, network: deps.fares.network, concession: resident.concession, taps, asOfMs: nowMs, openingDayTotals: opening });
}

/** Per journey: what settlement charged so far, and whether a step is waiting or was declined. */
async function settlementStates(pool: Pool, residentId: string, from: string, to: string): Promise<Map<string, { charged: bigint; open: string | undefined }>> {
  const { rows } = await pool.query<{ journey_id: string; charged_minor: string | null; open: string | null }>(`
    SELECT journey_id, max(charged_minor)::text AS charged_minor, min(open) AS open FROM (
      SELECT journey_id, charged_minor, NULL AS open FROM journey_charges WHERE resident_id = $1 AND service_date BETWEEN $2 AND $3
      UNION ALL
      SELECT journey_id, NULL, CASE status WHEN 'declined' THEN 'declined' ELSE 'unsettled' END FROM settlement_steps
       WHERE resident_id = $1 AND service_date BETWEEN $2 AND $3 AND status <> 'done'
    ) AS per_journey GROUP BY journey_id`, [residentId, from, to]);
  return new Map(rows.map((row) => [row.journey_id, { charged: BigInt(row.charged_minor ?? '0'), open: row.open ?? undefined }]));
}

function settlementOf(state: { charged: bigint; open: string | undefined } | undefined, chargedMinor: bigint): string {
  if (state?.open !== undefined) return state.open;
  return (state?.charged ?? 0n) === chargedMinor ? 'settled' : 'unsettled';
}
