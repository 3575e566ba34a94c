// What residents see: their journeys (priced by the same engine settlement uses, with each journey's settlement
// state) and how close they are to today's and this week's cap. Residents prove who they are with a presentation
// addressed to "transit-account" (not "transit": a presentation shown to read journeys never opens a gate).
import type { PresentationVerifier } from '@citypass/credential';
import type { GetCapProgressResponse, Journey, ListJourneysResponse } from '@citypass/proto/transit/v1/transit';
import { invalidArgument, unauthenticated } from '@citypass/platform/errors';
import { capProgress } from '../domain/cap_progress.ts';
import { checkConcession, type ConcessionClass } from '../domain/concession.ts';
import { parseServiceDate, serviceDateText, serviceDayOf } from '../domain/service_day.ts';
import { computeStatement, type DayTotal, type Statement } from '../domain/statement.ts';
import type { FareBook } from './fare_book.ts';
import type { JourneySettlementState, TransitStore } from './transit_store.ts';

export const accountAudience = 'transit-account';
const maxRangeDays = 31;

export interface RiderDeps {
  readonly store: TransitStore;
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
  const settlement = await deps.store.steps.settlementStates(resident.residentId, serviceDateText(firstDay), serviceDateText(lastDay));
  const debt = await deps.store.denyList.find(resident.residentId);
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
  return { journeys, debtMinor: debt?.debtMinor ?? 0n, currency: schedule.currency };
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
  const taps = (await deps.store.taps.between(resident.residentId, (firstDay - 1) * 86_400_000, (lastDay + 2) * 86_400_000))
    .filter((tap) => {
      const day = serviceDayOf(tap.atMs, schedule.serviceDay);
      return day >= firstDay && day <= lastDay;
    });
  const first = taps[0];
  const opening: DayTotal[] = first === undefined ? []
    : await deps.store.journeys.dayTotalsBefore(resident.residentId, serviceDateText(serviceDayOf(first.atMs, schedule.serviceDay)), 7);
  return computeStatement({ schedule, network: deps.fares.network, concession: resident.concession, taps, asOfMs: nowMs, openingDayTotals: opening });
}

/** Per journey: a step waiting ('unsettled') or 'declined', else whether what settlement charged is the fare's charge. */
function settlementOf(state: JourneySettlementState | undefined, chargedMinor: bigint): string {
  if (state?.open !== undefined) return state.open;
  return (state?.chargedMinor ?? 0n) === chargedMinor ? 'settled' : 'unsettled';
}
