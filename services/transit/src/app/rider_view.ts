// What the residents' queries share: who they are (a presentation addressed to "transit-account", not "transit":
// a presentation shown to read journeys never opens a gate) and their statement, priced by the same engine
// settlement uses. The queries are list_journeys.ts and get_cap_progress.ts.
import { transitReasons, presentationAudiences } from '@citypass/contracts';
import type { PresentationVerifier } from '@citypass/credential';
import { unauthenticated } from '@citypass/platform/errors';
import { checkConcession, type ConcessionClass } from '../domain/concession.ts';
import { serviceDateText, serviceDayOf } from '../domain/service_day.ts';
import { computeStatement, type DayTotal, type Statement } from '../domain/statement.ts';
import type { FareBook } from './fare_book.ts';
import type { TransitStore } from './transit_store.ts';

export const accountAudience = presentationAudiences.transitAccount;

export interface RiderDeps {
  readonly store: TransitStore;
  readonly fares: FareBook;
  readonly accountVerifier: PresentationVerifier;
  readonly now: () => number;
}

export interface Resident {
  readonly residentId: string;
  readonly concession: ConcessionClass;
}

export async function residentOf(deps: RiderDeps, presentation: string | undefined): Promise<Resident> {
  if (presentation === undefined || presentation === '') {
    throw unauthenticated(
      transitReasons.PRESENTATION_MISSING,
      `residents authenticate with a presentation addressed to ${accountAudience}`,
    );
  }
  const verified = await deps.accountVerifier.verify(presentation, { audience: accountAudience });
  return { residentId: verified.subject, concession: checkConcession(verified.concession) };
}

/** Prices the resident's taps from `firstDay` to `lastDay`, with the week before counted toward caps. */
export async function statementOf(
  deps: RiderDeps,
  resident: Resident,
  firstDay: number,
  lastDay: number,
  nowMs: number,
): Promise<Statement> {
  const schedule = deps.fares.schedule;
  const taps = (
    await deps.store.taps.between(resident.residentId, (firstDay - 1) * 86_400_000, (lastDay + 2) * 86_400_000)
  ).filter((tap) => {
    const day = serviceDayOf(tap.atMs, schedule.serviceDay);
    return day >= firstDay && day <= lastDay;
  });
  const first = taps[0];
  const opening: DayTotal[] =
    first === undefined
      ? []
      : await deps.store.journeys.dayTotalsBefore(
          resident.residentId,
          serviceDateText(serviceDayOf(first.atMs, schedule.serviceDay)),
          7,
        );
  return computeStatement({
    schedule,
    network: deps.fares.network,
    concession: resident.concession,
    taps,
    asOfMs: nowMs,
    openingDayTotals: opening,
  });
}
