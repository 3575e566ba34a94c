// A stored pre-authorization on the wire: codes and reasons opened (sealed per row and field), the state as of
// today by health billing's clock (an approved one past its expiry date is expired), and the read audited in the
// caller's transaction.
import {
  PreauthorizationState as WireState,
  type Preauthorization,
} from '@citypass/proto/health_billing/v1/health_billing';
import type { PreauthorizationState } from '../domain/preauthorization.ts';
import type { HealthBillingStore, PreauthorizationRecord, Sealer } from './store.ts';

export const preauthorizationCodesContext = (id: string): string => `preauthorization:${id}:codes`;
export const preauthorizationReasonContext = (id: string): string => `preauthorization:${id}:reason`;
export const preauthorizationDenialContext = (id: string): string => `preauthorization:${id}:denial_reason`;

const states: Record<PreauthorizationState, WireState> = {
  requested: WireState.PREAUTHORIZATION_STATE_REQUESTED,
  approved: WireState.PREAUTHORIZATION_STATE_APPROVED,
  denied: WireState.PREAUTHORIZATION_STATE_DENIED,
  consumed: WireState.PREAUTHORIZATION_STATE_CONSUMED,
  released: WireState.PREAUTHORIZATION_STATE_RELEASED,
  expired: WireState.PREAUTHORIZATION_STATE_EXPIRED,
};

/** The state as of `today` (YYYY-MM-DD): approved until its expiry date, expired after it. */
export function stateOn(record: PreauthorizationRecord, today: string): PreauthorizationState {
  return record.state === 'approved' && record.expiresOn !== undefined && record.expiresOn < today
    ? 'expired'
    : record.state;
}

export function openCodes(record: PreauthorizationRecord, sealer: Sealer): string[] {
  const codes: unknown = JSON.parse(
    sealer.open(record.codesSealed, preauthorizationCodesContext(record.preauthorizationId)),
  );
  if (!Array.isArray(codes) || !codes.every((code) => typeof code === 'string'))
    throw new Error('pre-authorization codes: a sealed list of strings');
  return codes;
}

export function sealCodes(id: string, codes: readonly string[], sealer: Sealer): Buffer {
  return sealer.seal(JSON.stringify(codes), preauthorizationCodesContext(id));
}

function preauthorizationOf(record: PreauthorizationRecord, sealer: Sealer, today: string): Preauthorization {
  const id = record.preauthorizationId;
  const open = (sealed: Buffer | undefined, context: string): string =>
    sealed === undefined ? '' : sealer.open(sealed, context);
  return {
    preauthorizationId: id,
    clinic: record.clinic,
    insurer: record.insurer,
    patientId: record.patientId,
    codes: openCodes(record, sealer),
    reason: open(record.reasonSealed, preauthorizationReasonContext(id)),
    requested: { amountMinor: record.requestedMinor, currency: record.currency },
    state: states[stateOn(record, today)],
    approved:
      record.approvedMinor === undefined ? undefined : { amountMinor: record.approvedMinor, currency: record.currency },
    expiresOn: record.expiresOn ?? '',
    denialReason: open(record.denialReasonSealed, preauthorizationDenialContext(id)),
    consumedByLineId: record.consumedBy ?? '',
    requestedAt: new Date(record.requestedAtMs),
    decidedAt: record.decidedAtMs === undefined ? undefined : new Date(record.decidedAtMs),
  };
}

/** Who reads: the clinic that asked (treatment) or the insurer asked (payment). */
export type PreauthorizationReader = { readonly clinic: string } | { readonly insurer: string };

/** The pre-authorization opened for `reader`, the read recorded in the audit log of the same transaction. */
export async function auditedPreauthorizationOf(
  tx: HealthBillingStore,
  record: PreauthorizationRecord,
  reader: PreauthorizationReader,
  sealer: Sealer,
  today: string,
): Promise<Preauthorization> {
  await tx.recordPreauthorizationRead({
    ...('clinic' in reader
      ? { actor: `clinic:${reader.clinic}`, purpose: 'treatment' }
      : { actor: `insurer:${reader.insurer}`, purpose: 'payment' }),
    subject: record.patientId,
    preauthorizationId: record.preauthorizationId,
  });
  return preauthorizationOf(record, sealer, today);
}
