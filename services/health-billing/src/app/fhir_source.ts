// A stored bill as the FHIR mapping's input: the lines' codes opened (the caller may read them), the plan version
// that adjudicated the bill, and the patient as an id only.
import assert from 'node:assert/strict';
import type { FhirSource } from '../domain/fhir_input.ts';
import { lineCodeContext } from './bill_wire.ts';
import type { BillRecord, HealthBillingStore, Sealer } from './store.ts';

export async function fhirSourceOf(
  tx: HealthBillingStore,
  bill: BillRecord,
  sealer: Sealer,
  baseUrl: string,
): Promise<FhirSource> {
  const plan = (await tx.plans.versions(bill.planId)).find((version) => version.version === bill.planVersion);
  assert.ok(plan !== undefined, 'a bill references a stored plan version (foreign key)');
  return {
    bill: {
      billId: bill.billId,
      clinic: bill.clinic,
      insurer: bill.insurer,
      currency: bill.currency,
      status: bill.status,
      createdAtMs: bill.createdAtMs,
      // Lines cancelled by a correction are no longer billed; a reversed bill shows what it was (all cancelled).
      lines: bill.lines
        .filter((line) => !line.cancelled || bill.status === 'reversed')
        .map((line) => ({
          lineId: line.lineId,
          seq: line.seq,
          code: sealer.open(line.codeSealed, lineCodeContext(line.lineId)),
          category: line.category,
          serviceDate: line.serviceDate,
          quantity: line.quantity,
          unitPriceMinor: line.unitPriceMinor,
          billedMinor: line.billedMinor,
          outcome: line.outcome,
        })),
    },
    plan: { planId: plan.planId, version: plan.version, effectiveFrom: plan.effectiveFrom },
    member: { patientId: bill.patientId },
    baseUrl,
  };
}
