// GetGateConfig: what a gate needs to decide alone (issuer keys, revocations, the deny list, the buckets to follow).
import type { GetGateConfigResponse } from '@citypass/proto/transit/v1/transit';
import type { Principal } from '@citypass/platform/grpc';
import { gateOf, type GateDeps } from './gate_calls.ts';

export async function gateConfig(
  deps: GateDeps,
  principal: Principal | undefined,
  gateId: string,
): Promise<GetGateConfigResponse> {
  const gate = gateOf(deps, gateId);
  deps.assignments.check(principal, gate.id);
  return {
    gateId: gate.id,
    stationId: gate.stationId,
    stationName: deps.fares.network.stations.get(gate.stationId)?.name ?? '',
    issuer: deps.issuer,
    issuerJwksJson: await deps.issuerJwks(),
    credentialStatusBucket: deps.buckets.credentialStatus,
    denyListBucket: deps.buckets.denyList,
    deniedResidents: deps.denyList.residents(),
    revokedCredentials: [...deps.revocations.ids()],
  };
}
