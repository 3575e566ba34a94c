// PreviewFareRules: what candidate fare rules would change, before an operator puts them. The candidate is checked
// exactly as PutFareRules checks it (candidateFareRules) and nothing is stored. The riders of the last 7 service
// days (today and the six before) are replayed from transit's own taps, a page of riders at a time, each priced by
// the fare engine under the version in force today and under the candidate, both applied to every replayed day
// (caps count from the first replayed day). With no taps in those days, the fixed sample week
// (domain/sample_week.ts) is priced instead. Only aggregates are answered.
import type {
  FarePreviewTotals as FarePreviewTotalsMessage,
  PreviewFareRulesRequest,
  PreviewFareRulesResponse,
} from '@citypass/proto/transit/v1/transit';
import { concessionClasses, type ConcessionClass } from '../domain/concession.ts';
import { addToPreview, previewTotals, scheduleOfOnly, type FarePreviewTotals } from '../domain/fare_preview.ts';
import { rulesForServiceDay } from '../domain/fare_rules.ts';
import { sampleWeek, sampleWeekFirstDate, sampleWeekLastDate } from '../domain/sample_week.ts';
import { msPerDay, serviceDateText, serviceDayOf } from '../domain/service_day.ts';
import type { FareBook } from './fare_book.ts';
import { candidateFareRules } from './put_fare_rules.ts';
import type { TransitStore } from './transit_store.ts';

const replayedDays = 7;
/** Riders read (and priced) per database round trip. */
const ridersPerPage = 500;
/** The most riders one preview replays: a bound on its time; the first by resident id are replayed. */
export const maxPreviewRiders = 50_000;

export async function previewFareRules(
  deps: { store: TransitStore; fares: FareBook; now: () => number },
  request: PreviewFareRulesRequest,
): Promise<PreviewFareRulesResponse> {
  const { fares } = deps;
  const candidate = candidateFareRules(deps, await deps.store.fareRules.all(), request.rules);
  const nowMs = deps.now();
  const today = serviceDayOf(nowMs, fares.schedule.serviceDay);
  const inForce = rulesForServiceDay(fares.schedule, today);
  const firstDay = today - (replayedDays - 1);
  const pricingFrom = (firstDate: string, asOfMs: number) => ({
    before: scheduleOfOnly(fares.schedule, inForce, firstDate, fares.network),
    after: scheduleOfOnly(fares.schedule, candidate, firstDate, fares.network),
    network: fares.network,
    asOfMs,
  });
  const totals = new Map<ConcessionClass, FarePreviewTotals>();
  const pricing = pricingFrom(serviceDateText(firstDay), nowMs);
  // A day's taps lie within a day either side of its date at UTC midnight, whatever the zone and day start.
  const fromMs = (firstDay - 1) * msPerDay;
  let after = '';
  let replayed = 0;
  while (replayed < maxPreviewRiders) {
    const riders = await deps.store.taps.ridersBetween(fromMs, nowMs + 1, after, ridersPerPage);
    const inWindow = riders.map((rider) => ({
      concession: rider.concession,
      taps: rider.taps.filter((tap) => serviceDayOf(tap.atMs, fares.schedule.serviceDay) >= firstDay),
    }));
    addToPreview(
      totals,
      inWindow.filter((rider) => rider.taps.length > 0).slice(0, maxPreviewRiders - replayed),
      pricing,
    );
    replayed += riders.length;
    after = riders.at(-1)?.residentId ?? '';
    if (riders.length < ridersPerPage) break;
  }
  const limited = replayed >= maxPreviewRiders && after !== '';
  if (totals.size > 0) {
    return answer(
      fares,
      'recorded_taps',
      serviceDateText(firstDay),
      serviceDateText(today),
      inForce.version,
      totals,
      limited,
    );
  }
  const sample = sampleWeek(fares.network, fares.schedule.serviceDay);
  addToPreview(
    totals,
    concessionClasses.map((concession) => ({ concession, taps: sample.taps })),
    pricingFrom(sampleWeekFirstDate, sample.asOfMs),
  );
  return answer(fares, 'sample_week', sampleWeekFirstDate, sampleWeekLastDate, inForce.version, totals, false);
}

function answer(
  fares: FareBook,
  source: string,
  firstServiceDate: string,
  lastServiceDate: string,
  versionInForce: number,
  totals: ReadonlyMap<ConcessionClass, FarePreviewTotals>,
  ridersLimited: boolean,
): PreviewFareRulesResponse {
  const { total, byConcession } = previewTotals(totals);
  return {
    currency: fares.schedule.currency,
    source,
    firstServiceDate,
    lastServiceDate,
    versionInForce,
    total: totalsToProto(total),
    byConcession: byConcession.map(totalsToProto),
    ridersLimited,
  };
}

function totalsToProto(totals: FarePreviewTotals): FarePreviewTotalsMessage {
  return { ...totals, concession: totals.concession ?? '' };
}
