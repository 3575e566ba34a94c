// Operator query: residents by family name, then given name (a case-insensitive prefix search), or one by id;
// keyset paged with a token bound to the search. Names are personal data: they are never logged nor put in an
// error or a page token.
import type { ListResidentsRequest, ListResidentsResponse } from '@citypass/proto/identity/v1/identity';
import { isUuid } from '@citypass/platform/ids';
import { listResidentPage } from '../store/resident_pages.ts';
import type { IdentityDeps } from './deps.ts';
import { normalizeSearch, pageLimit, pageToken, readPageToken } from './paging.ts';
import { residentToProto } from './residents.ts';

const list = 'residents';

export async function listResidents(deps: IdentityDeps, request: ListResidentsRequest): Promise<ListResidentsResponse> {
  const limit = pageLimit(request.pageSize);
  const search = normalizeSearch(request.search);
  const afterId = readPageToken(list, search, request.pageToken, isUuid);
  const byId = isUuid(search);
  const rows = await listResidentPage(deps.pool, {
    limit,
    ...(byId ? { residentId: search } : { namePrefix: search }),
    ...(afterId === undefined ? {} : { afterId }),
  });
  const last = rows.at(-1);
  return {
    residents: rows.map(residentToProto),
    nextPageToken: rows.length === limit && last !== undefined ? pageToken(list, search, last.id) : '',
  };
}
