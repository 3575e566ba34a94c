// What finalizing a bill does with pre-authorizations: the clinic's approved, unexpired ones for the patient,
// addressed to the bill's insurer, are locked (after the member year's lock, which every finalize of the member
// takes first) and opened for the engine; the ones the adjudication consumed are marked with their line.
import type { BillAdjudication } from '../domain/adjudication.ts';
import { maxPreauthorizations, type Preauthorization } from '../domain/preauthorization.ts';
import type { MinorUnits } from '../domain/money.ts';
import { openCodes } from './preauthorization_wire.ts';
import type { BillRecord, HealthBillingStore, PreauthorizationRecord, Sealer } from './store.ts';

/** In the finalize transaction, after the member year's lock: the bill's usable pre-authorizations, locked. */
export async function usablePreauthorizations(
  tx: HealthBillingStore,
  sealer: Sealer,
  bill: BillRecord,
  today: string,
): Promise<Preauthorization[]> {
  const records = await tx.preauthorizations.usable(
    { clinic: bill.clinic, patientId: bill.patientId, insurer: bill.insurer },
    today,
    maxPreauthorizations,
  );
  return records.map((record) => approvalOf(record, sealer));
}

/**
 * In a correction's transaction, the bill locked: the pre-authorizations the bill's lines consumed, offered again
 * as approvals to the lines that remain (a cancelled line's approval goes back to the clinic: see
 * reconsumePreauthorizations).
 */
export async function preauthorizationsOfBill(
  tx: HealthBillingStore,
  sealer: Sealer,
  billId: string,
): Promise<Preauthorization[]> {
  return (await tx.preauthorizations.consumedBy(billId)).map((record) => approvalOf(record, sealer));
}

/** After a correction's adjudication: the bill's approvals given back, then consumed again by the lines left. */
export async function reconsumePreauthorizations(
  tx: HealthBillingStore,
  billId: string,
  result: BillAdjudication | undefined,
  atMs: number,
): Promise<void> {
  await tx.preauthorizations.restoreConsumedBy(billId);
  if (result !== undefined) await consumePreauthorizations(tx, result, atMs);
}

function approvalOf(record: PreauthorizationRecord, sealer: Sealer): Preauthorization {
  return {
    id: record.preauthorizationId,
    memberId: record.patientId,
    codes: openCodes(record, sealer),
    approvedMinor: record.approvedMinor as MinorUnits,
    expiresOn: record.expiresOn as string,
    state: 'approved',
  };
}

/** Marks each pre-authorization the claim consumed with the line that consumed it. */
export async function consumePreauthorizations(
  tx: HealthBillingStore,
  result: BillAdjudication,
  atMs: number,
): Promise<void> {
  const consumptions = result.lines.flatMap((line) =>
    line.preauthorizationId === undefined ? [] : [{ preauthorizationId: line.preauthorizationId, lineId: line.lineId }],
  );
  if (consumptions.length > 0) await tx.preauthorizations.consume(consumptions, atMs);
}
