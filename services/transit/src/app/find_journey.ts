// FindJourney: an operator answering a complaint about a ledger line goes from its wallet hold to the journey it
// charged (priced as the resident sees it in ListJourneys) and the resident.
import { transitReasons } from '@citypass/contracts';
import type { FindJourneyResponse } from '@citypass/proto/transit/v1/transit';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import { checkConcession } from '../domain/concession.ts';
import { listJourneys } from './list_journeys.ts';
import type { RiderDeps } from './rider_view.ts';

export async function findJourney(deps: RiderDeps, holdId: string): Promise<FindJourneyResponse> {
  if (!isUuid(holdId)) throw invalidArgument(transitReasons.HOLD_ID_INVALID, 'hold_id must be a UUID');
  const charged = await deps.store.journeys.journeyOfHold(holdId);
  const rider = charged === undefined ? undefined : await deps.store.riders.find(charged.residentId);
  if (charged === undefined || rider === undefined) {
    throw notFound(transitReasons.JOURNEY_NOT_FOUND, 'no journey was charged through this hold');
  }
  const resident = { residentId: charged.residentId, concession: checkConcession(rider.concession) };
  const { journeys } = await listJourneys(deps, resident, charged.serviceDate, charged.serviceDate);
  const journey = journeys.find((each) => each.journeyId === charged.journeyId);
  if (journey === undefined) throw notFound(transitReasons.JOURNEY_NOT_FOUND, 'the journey is no longer priced');
  return { residentId: charged.residentId, journey };
}
