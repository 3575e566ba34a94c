// Operator command: enroll a resident and hand back a one-time enrollment code for the first sign-in.
import { randomUUID } from 'node:crypto';
import { CreateResidentRequest, CreateResidentResponse } from '@citypass/proto/identity/v1/identity';
import { withTransaction } from '@citypass/platform/pg';
import { validateNewResident } from '../domain/resident.ts';
import { appendAudit } from '../store/audit.ts';
import { insertResident } from '../store/residents.ts';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import type { IdentityDeps } from './deps.ts';
import { storeEnrollmentCode } from './enrollment_code.ts';
import { concessionFromProto } from './proto_mapping.ts';

export async function createResident(
  deps: IdentityDeps,
  actor: string,
  request: CreateResidentRequest,
): Promise<CreateResidentResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const now = new Date(deps.now());
  const resident = validateNewResident(
    {
      givenName: request.givenName,
      familyName: request.familyName,
      birthDate: request.birthDate,
      concessionClass: concessionFromProto(request.concessionClass),
      coveragePlanRef: request.coveragePlanRef,
    },
    now,
  );
  const fingerprint = CreateResidentRequest.encode({ ...request, idempotencyKey: '' }).finish();
  return withTransaction(deps.pool, async (client) => {
    const claim = await deps.idempotency.claim(client, 'create_resident', key, fingerprint);
    if (claim.replayed) return CreateResidentResponse.decode(claim.response);

    const id = randomUUID();
    await insertResident(client, {
      id,
      givenName: resident.givenName,
      familyName: resident.familyName,
      birthDate: resident.birthDate,
      concession: resident.concessionClass,
      coveragePlanRef: resident.coveragePlanRef,
      createdAt: now,
    });
    await appendAudit(client, {
      actor,
      action: 'resident.created',
      subjectId: id,
      details: { concessionClass: resident.concessionClass },
    });
    const code = await storeEnrollmentCode(client, id, actor, new Date(now.getTime() + deps.enrollmentCodeTtlMs));
    const response: CreateResidentResponse = {
      resident: {
        residentId: id,
        givenName: resident.givenName,
        familyName: resident.familyName,
        birthDate: resident.birthDate,
        concessionClass: request.concessionClass,
        coveragePlanRef: resident.coveragePlanRef,
        createdAt: now,
        enrolled: false,
      },
      enrollmentCode: code,
    };
    await deps.idempotency.record(client, 'create_resident', key, CreateResidentResponse.encode(response).finish());
    return response;
  });
}
