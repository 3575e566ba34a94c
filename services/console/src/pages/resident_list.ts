// The residents an operator searched for: identity's ListResidents (the start of the family name, then of the
// given name, in any case, or a resident id), a page at a time. The search travels only to identity and back into
// this page: names are never logged.
import { html } from 'hono/html';
import type { ListResidentsResponse } from '@citypass/proto/identity/v1/identity';
import { asOperatorOnIdentity, type ConsoleDeps } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { field, type FieldError, type Html } from './layout.ts';
import { listPageSize, nextPageLink, searchForm } from './lists.ts';
import { concessionName } from './concessions.ts';
import { isFormRefusal } from './refusals.ts';

export interface ResidentSearch {
  readonly search: string;
  readonly pageToken: string;
}

export interface ResidentList {
  readonly search: ResidentSearch;
  /** Undefined when identity refused the search (then `error` says why). */
  readonly page: ListResidentsResponse | undefined;
  readonly error: FieldError | undefined;
}

export async function findResidents(
  deps: ConsoleDeps,
  session: Session,
  search: ResidentSearch,
): Promise<ResidentList> {
  try {
    const page = await deps.identity.listResidents(
      { search: search.search, pageSize: listPageSize, pageToken: search.pageToken },
      await asOperatorOnIdentity(deps, session),
    );
    return { search, page, error: undefined };
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return { search, page: undefined, error: { message: error.message, reason: error.reason } };
  }
}

export function residentSearchForm(search: string, error: FieldError | undefined): Html {
  return searchForm(
    '/residents',
    'resident-results',
    field(
      'search',
      'Search: the start of a surname, then of a first name (any case), or a resident id',
      search,
      error,
      'autocomplete="off"',
    ),
    'Search',
  );
}

export function residentResults(list: ResidentList): Html {
  const residents = list.page?.residents ?? [];
  return html`<section id="resident-results" aria-label="Residents found">
${
  residents.length === 0
    ? html`<p>${list.page === undefined ? 'No search made.' : 'No residents found.'}</p>`
    : html`<table>
<caption>By family name, then given name</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Born</th><th scope="col">Concession</th><th scope="col">Enrolled</th><th scope="col">Resident id</th></tr></thead>
<tbody>${residents.map(
        (resident) =>
          html`<tr><td><a href="/residents/${resident.residentId}">${resident.familyName}, ${resident.givenName}</a></td><td>${resident.birthDate}</td><td>${concessionName(resident.concessionClass)}</td><td>${resident.enrolled ? 'yes' : 'not yet'}</td><td><code>${resident.residentId}</code></td></tr>`,
      )}</tbody>
</table>`
}
${nextPageLink('/residents', { search: list.search.search }, list.page?.nextPageToken ?? '', 'Next residents')}
</section>`;
}
