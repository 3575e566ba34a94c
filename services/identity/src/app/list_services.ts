// Operator query: the onboarded city services (OIDC clients) by name, a prefix search, keyset paged with a token
// bound to the search; each with its scopes and what they let it do.
import { resourceOfScope, type OperatorAccess } from '@citypass/contracts';
import type { ListServicesRequest, ListServicesResponse, Service } from '@citypass/proto/identity/v1/identity';
import { isServiceName } from '../domain/service_name.ts';
import { listServicePage, type ServiceRow } from '../store/services.ts';
import type { IdentityDeps } from './deps.ts';
import { normalizeSearch, pageLimit, pageToken, readPageToken } from './paging.ts';

const list = 'services';

/** `access`: a merchant-scoped operator's list holds their own service only (operator_scope.ts). */
export async function listServices(
  deps: IdentityDeps,
  access: OperatorAccess,
  request: ListServicesRequest,
): Promise<ListServicesResponse> {
  const limit = pageLimit(request.pageSize);
  const search = normalizeSearch(request.search).toLowerCase();
  const afterName = readPageToken(list, search, request.pageToken, isServiceName);
  const rows = await listServicePage(deps.pool, {
    limit,
    namePrefix: search,
    ...(afterName === undefined ? {} : { afterName }),
    ...(access.scope.merchant === '' ? {} : { onlyName: access.scope.merchant }),
  });
  const last = rows.at(-1);
  return {
    services: rows.map(serviceToProto),
    nextPageToken: rows.length === limit && last !== undefined ? pageToken(list, search, last.name) : '',
  };
}

function serviceToProto(row: ServiceRow): Service {
  return {
    name: row.name,
    displayName: row.displayName,
    contactEmail: row.contactEmail,
    scopes: [...row.scopes],
    capabilities: row.scopes.map((scope) => ({
      verb: scope.split(':')[0] ?? '',
      resource: resourceOfScope(scope) ?? '',
    })),
    tokenEndpointAuthMethod: row.authMethod,
    onboardedAt: row.createdAt,
  };
}
