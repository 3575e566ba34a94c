// A clinic reads a pre-authorization it asked for, an insurer one addressed to it; the read is audited.
import type {
  GetPreauthorizationRequest,
  GetPreauthorizationResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { partyPreauthorization } from './preauthorization_access.ts';
import { auditedPreauthorizationOf, type PreauthorizationReader } from './preauthorization_wire.ts';
import { serviceDateOf } from './service_date.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function getPreauthorization(
  deps: VisitDeps,
  reader: PreauthorizationReader,
  request: GetPreauthorizationRequest,
): Promise<GetPreauthorizationResponse> {
  return deps.store.transaction(async (tx) => {
    const record = await partyPreauthorization(tx, reader, request.preauthorizationId);
    return {
      preauthorization: await auditedPreauthorizationOf(tx, record, reader, deps.sealer, serviceDateOf(deps.now())),
    };
  });
}
