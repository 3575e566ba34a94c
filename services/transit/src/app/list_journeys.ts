// ListJourneys: a resident's journeys over a range of service days, each with its fare, what was charged after caps
// and its settlement state, the wallet holds that charged it (which the resident's wallet statement names), and
// the resident's debt.
import type { Journey, ListJourneysResponse } from '@citypass/proto/transit/v1/transit';
import { invalidArgument } from '@citypass/platform/errors';
import { parseServiceDate, serviceDateText, serviceDayOf } from '../domain/service_day.ts';
import { statementOf, type Resident, type RiderDeps } from './rider_view.ts';
import type { JourneySettlementState } from './transit_store.ts';
import { transitReasons } from '@citypass/contracts';

const maxRangeDays = 31;

export async function listJourneys(
  deps: RiderDeps,
  resident: Resident,
  from: string,
  to: string,
): Promise<ListJourneysResponse> {
  const schedule = deps.fares.schedule;
  const nowMs = deps.now();
  const today = serviceDayOf(nowMs, schedule.serviceDay);
  const lastDay = to === '' ? today : parseServiceDate(to, 'to_service_date');
  const firstDay = from === '' ? lastDay - 6 : parseServiceDate(from, 'from_service_date');
  if (firstDay > lastDay || lastDay - firstDay >= maxRangeDays) {
    throw invalidArgument(
      transitReasons.DATE_RANGE_INVALID,
      `from_service_date must be before to_service_date, at most ${maxRangeDays} days`,
    );
  }
  const statement = await statementOf(deps, resident, firstDay - 7, lastDay, nowMs);
  const settlement = await deps.store.steps.settlementStates(
    resident.residentId,
    serviceDateText(firstDay),
    serviceDateText(lastDay),
  );
  const debt = await deps.store.denyList.find(resident.residentId);
  const inRange = statement.journeys.filter(
    (journey) => journey.serviceDate >= serviceDateText(firstDay) && journey.serviceDate <= serviceDateText(lastDay),
  );
  const holds = await deps.store.journeys.holdIdsByJourney(
    resident.residentId,
    inRange.map((journey) => journey.journeyId),
  );
  const journeys = inRange.map(
    (journey): Journey => ({
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
      holdIds: [...(holds.get(journey.journeyId) ?? [])],
    }),
  );
  return { journeys, debtMinor: debt?.debtMinor ?? 0n, currency: schedule.currency };
}

/** Per journey: a step waiting ('unsettled') or 'declined', else whether what settlement charged is the fare's charge. */
function settlementOf(state: JourneySettlementState | undefined, chargedMinor: bigint): string {
  if (state?.open !== undefined) return state.open;
  return (state?.chargedMinor ?? 0n) === chargedMinor ? 'settled' : 'unsettled';
}
