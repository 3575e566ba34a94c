// Operator queries and commands on one resident.
import type { EnrollmentCode, GetResidentResponse, Resident } from '@citypass/proto/identity/v1/identity';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { withTransaction } from '@citypass/platform/pg';
import type { IdentityDeps } from './deps.ts';
import { findResident, lockResident } from '../store/residents.ts';
import type { ResidentListRow } from '../store/resident_pages.ts';
import { storeEnrollmentCode } from './enrollment_code.ts';
import { concessionToProto } from './proto_mapping.ts';
import { readCredentialStatus } from './revoke_credential.ts';
import { isUuid } from '@citypass/platform/ids';
import { identityReasons } from '@citypass/contracts';

export function checkResidentId(residentId: string): string {
  if (!isUuid(residentId)) throw invalidArgument(identityReasons.RESIDENT_ID_INVALID, 'resident_id must be a UUID');
  return residentId;
}

export async function getResident(deps: IdentityDeps, residentId: string): Promise<GetResidentResponse> {
  const row = await findResident(deps.pool, checkResidentId(residentId));
  if (row === undefined) throw notFound(identityReasons.RESIDENT_NOT_FOUND, 'no such resident');
  const activeCredential =
    row.activeCredentialId === undefined
      ? undefined
      : await readCredentialStatus(deps.pool, row.activeCredentialId, deps.now());
  return { resident: residentToProto(row), activeCredential };
}

export function residentToProto(row: ResidentListRow): Resident {
  return {
    residentId: row.id,
    givenName: row.givenName,
    familyName: row.familyName,
    birthDate: row.birthDate,
    concessionClass: concessionToProto(row.concession),
    coveragePlanRef: row.coveragePlanRef,
    createdAt: row.createdAt,
    enrolled: row.enrolled,
  };
}

export async function issueEnrollmentCode(
  deps: IdentityDeps,
  actor: string,
  residentId: string,
): Promise<EnrollmentCode> {
  checkResidentId(residentId);
  return withTransaction(deps.pool, async (client) => {
    if ((await lockResident(client, residentId)) === undefined)
      throw notFound(identityReasons.RESIDENT_NOT_FOUND, 'no such resident');
    return storeEnrollmentCode(client, residentId, actor, new Date(deps.now() + deps.enrollmentCodeTtlMs));
  });
}
