// A clinic reaches only the pre-authorizations it asked for, an insurer only those addressed to it: anyone else's,
// like a missing one, is PREAUTHORIZATION_NOT_FOUND (a caller cannot learn that another's exists).
import { healthBillingReasons } from '@citypass/contracts';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import type { PreauthorizationReader } from './preauthorization_wire.ts';
import type { HealthBillingStore, PreauthorizationRecord } from './store.ts';

export function checkPreauthorizationId(id: string): string {
  if (!isUuid(id))
    throw invalidArgument(
      healthBillingReasons.PREAUTHORIZATION_ID_INVALID,
      'preauthorization_id must be a pre-authorization id',
    );
  return id;
}

export async function partyPreauthorization(
  store: HealthBillingStore,
  party: PreauthorizationReader,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PreauthorizationRecord> {
  const record = await store.preauthorizations.get(checkPreauthorizationId(id), {
    forUpdate: options.forUpdate ?? false,
  });
  if (record === undefined || !('clinic' in party ? record.clinic === party.clinic : record.insurer === party.insurer))
    throw notFound(healthBillingReasons.PREAUTHORIZATION_NOT_FOUND, 'no pre-authorization of this caller has that id');
  return record;
}
