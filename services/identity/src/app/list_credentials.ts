// Operator query: one resident's credentials, newest first (active, revoked with the reason, superseded by a newer
// phone's), keyset paged with a token bound to the resident, so one resident's position never pages another's.
import type {
  ListCredentialsRequest,
  ListCredentialsResponse,
  ResidentCredential,
} from '@citypass/proto/identity/v1/identity';
import { identityReasons } from '@citypass/contracts';
import { notFound } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import { listCredentialPage, type CredentialListRow } from '../store/credential_pages.ts';
import { residentExists } from '../store/residents.ts';
import type { IdentityDeps } from './deps.ts';
import { pageLimit, pageToken, readPageToken } from './paging.ts';
import { checkResidentId } from './residents.ts';
import { credentialStatusOf } from './revoke_credential.ts';

const list = 'credentials';

/** The stored revoker as the wire says it: a credential 'replaced' by a newer phone's is superseded. */
const revokedByOnTheWire: Readonly<Record<string, string>> = {
  operator: 'operator',
  resident: 'resident',
  replaced: 'superseded',
};

function credentialToProto(row: CredentialListRow, nowMs: number): ResidentCredential {
  return {
    credential: credentialStatusOf(row, nowMs),
    revokedBy: row.revokedBy === null ? '' : (revokedByOnTheWire[row.revokedBy] ?? row.revokedBy),
    deviceThumbprint: row.deviceThumbprint,
    signingKid: row.kid,
  };
}

export async function listCredentials(
  deps: IdentityDeps,
  request: ListCredentialsRequest,
): Promise<ListCredentialsResponse> {
  const residentId = checkResidentId(request.residentId);
  const limit = pageLimit(request.pageSize);
  const afterId = readPageToken(list, residentId, request.pageToken, isUuid);
  if (!(await residentExists(deps.pool, residentId)))
    throw notFound(identityReasons.RESIDENT_NOT_FOUND, 'no such resident');
  const rows = await listCredentialPage(deps.pool, { residentId, afterId, limit });
  const nowMs = deps.now();
  const last = rows.at(-1);
  return {
    credentials: rows.map((row) => credentialToProto(row, nowMs)),
    nextPageToken: rows.length === limit && last !== undefined ? pageToken(list, residentId, last.id) : '',
  };
}
