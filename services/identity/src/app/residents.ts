// Operator queries and commands on one resident.
import type { EnrollmentCode, GetResidentResponse } from '@citypass/proto/identity/v1/identity';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { withTransaction } from '@citypass/platform/pg';
import type { IdentityDeps } from './deps.ts';
import { storeEnrollmentCode } from './enrollment_code.ts';
import { concessionToProto } from './proto_mapping.ts';
import { readCredentialStatus } from './revoke_credential.ts';
import { isUuid } from '@citypass/platform/ids';
import { identityReasons } from '@citypass/contracts';

function checkResidentId(residentId: string): string {
  if (!isUuid(residentId)) throw invalidArgument(identityReasons.RESIDENT_ID_INVALID, 'resident_id must be a UUID');
  return residentId;
}

export async function getResident(deps: IdentityDeps, residentId: string): Promise<GetResidentResponse> {
  const result = await deps.pool.query<{
    id: string;
    given_name: string;
    family_name: string;
    birth_date: string;
    concession_class: string;
    coverage_plan_ref: string;
    created_at: Date;
    enrolled: boolean;
    active_credential: string | null;
  }>(
    `SELECT r.id, r.given_name, r.family_name, to_char(r.birth_date, 'YYYY-MM-DD') AS birth_date, r.concession_class,
            r.coverage_plan_ref, r.created_at, r.password_hash IS NOT NULL AS enrolled,
            (SELECT c.id FROM credentials c WHERE c.resident_id = r.id AND c.revoked_at IS NULL) AS active_credential
     FROM residents r WHERE r.id = $1`,
    [checkResidentId(residentId)],
  );
  const row = result.rows[0];
  if (row === undefined) throw notFound(identityReasons.RESIDENT_NOT_FOUND, 'no such resident');
  const activeCredential =
    row.active_credential === null
      ? undefined
      : await readCredentialStatus(deps.pool, row.active_credential, deps.now());
  return {
    resident: {
      residentId: row.id,
      givenName: row.given_name,
      familyName: row.family_name,
      birthDate: row.birth_date,
      concessionClass: concessionToProto(row.concession_class),
      coveragePlanRef: row.coverage_plan_ref,
      createdAt: row.created_at,
      enrolled: row.enrolled,
    },
    activeCredential,
  };
}

export async function issueEnrollmentCode(
  deps: IdentityDeps,
  actor: string,
  residentId: string,
): Promise<EnrollmentCode> {
  checkResidentId(residentId);
  return withTransaction(deps.pool, async (client) => {
    const found = await client.query('SELECT 1 FROM residents WHERE id = $1 FOR UPDATE', [residentId]);
    if (found.rowCount !== 1) throw notFound(identityReasons.RESIDENT_NOT_FOUND, 'no such resident');
    return storeEnrollmentCode(client, residentId, actor, new Date(deps.now() + deps.enrollmentCodeTtlMs));
  });
}
