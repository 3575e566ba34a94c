// The clinic that asked gives an approved, unused pre-authorization back: no line can use it any more. An expired,
// consumed or undecided one cannot be released (PREAUTHORIZATION_STATE_INVALID).
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  ReleasePreauthorizationRequest as ReleaseMessage,
  ReleasePreauthorizationResponse as ReleaseAnswer,
  type ReleasePreauthorizationRequest,
  type ReleasePreauthorizationResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { checkPreauthorizationTransition } from '../domain/preauthorization.ts';
import { checkPreauthorizationId, partyPreauthorization } from './preauthorization_access.ts';
import { auditedPreauthorizationOf, stateOn } from './preauthorization_wire.ts';
import { serviceDateOf } from './service_date.ts';
import type { PreauthorizationRecord } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function releasePreauthorization(
  deps: VisitDeps,
  clinic: string,
  request: ReleasePreauthorizationRequest,
): Promise<ReleasePreauthorizationResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  checkPreauthorizationId(request.preauthorizationId);
  const operation = `${clinic}:release_preauthorization`;
  const requestBytes = ReleaseMessage.encode({ ...request, idempotencyKey: '' }).finish();
  return deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return ReleaseAnswer.decode(first);
    const record = await partyPreauthorization(tx, { clinic }, request.preauthorizationId, { forUpdate: true });
    const nowMs = deps.now();
    const today = serviceDateOf(nowMs);
    checkPreauthorizationTransition(stateOn(record, today), 'released');
    await tx.preauthorizations.release(record.preauthorizationId, nowMs);
    const released = (await tx.preauthorizations.get(record.preauthorizationId)) as PreauthorizationRecord;
    const response: ReleasePreauthorizationResponse = {
      preauthorization: await auditedPreauthorizationOf(tx, released, { clinic }, deps.sealer, today),
    };
    await tx.remember(operation, key, ReleaseAnswer.encode(response).finish());
    return response;
  });
}
