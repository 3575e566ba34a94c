// What the crash, race and telemetry tests share: two codes (a GP visit with a co-pay outside the deductible, a lab
// test under it), a clinic's fees for them, a plan effective from yesterday, a funded insurer, and a bill checked
// in, itemised and finalized; and other clinics' history of a code, for the clinic peers check.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseKeyRing } from '@citypass/platform/key_ring';
import { type Bill, BillStatus, ServiceCategory } from '@citypass/proto/health_billing/v1/health_billing';
import { codeDigestPurpose } from '../src/app/clinic_peers.ts';
import { serviceDateOf } from '../src/app/service_date.ts';
import type { Clinic, HealthBillingParties, Patient } from './harness.ts';

export const planId = 'aurelia-basic';
export const deductibleMinor = 5_000n;
export const outOfPocketMaxMinor = 20_000n;
const dayMs = 86_400_000;

export const key = (): string => randomBytes(8).toString('hex');

/** The fees a clinic charges for the two codes. */
export const fees = { 'GP-101': 4_500n, 'LB-402': 2_500n } as const;

/** `feeOverrides`: other allowed amounts for these clinics (e.g. a lab test dear enough to reach the OOP maximum). */
export async function putVisitCatalogue(
  h: HealthBillingParties & { setClockOffset(offsetMs: number): void },
  clinics: readonly string[],
  feeOverrides: Partial<Record<keyof typeof fees, bigint>> = {},
): Promise<void> {
  await h.operator.putCodes({
    idempotencyKey: key(),
    codes: [
      {
        code: 'GP-101',
        category: ServiceCategory.SERVICE_CATEGORY_GP_VISIT,
        description: 'GP consultation',
        maxQuantity: 1,
      },
      {
        code: 'LB-402',
        category: ServiceCategory.SERVICE_CATEGORY_LAB,
        description: 'Full blood count',
        maxQuantity: 3,
      },
    ],
  });
  for (const clinic of clinics)
    await h.operator.putFeeSchedule({
      idempotencyKey: key(),
      clinic,
      currency: 'EUR',
      entries: Object.entries({ ...fees, ...feeOverrides }).map(([code, allowedMinor]) => ({ code, allowedMinor })),
    });
  // A plan takes effect from a later day than today: put it "two days ago", effective yesterday.
  h.setClockOffset(-2 * dayMs);
  try {
    await h.operator.putPlan({ idempotencyKey: key(), plan: wirePlan() });
  } finally {
    h.setClockOffset(0);
  }
  await h.fundInsurer(10_000_000n);
}

function wirePlan() {
  const category = (
    value: ServiceCategory,
    copayMinor: bigint,
    deductibleApplies: boolean,
    coinsuranceBps: number,
  ) => ({
    category: value,
    copayMinor,
    deductibleApplies,
    coinsuranceBps,
    visitLimit: 0,
    planPaidCapMinor: 0n,
    preauthorizationCodes: [],
    preauthorizationThresholdMinor: 0n,
  });
  return {
    planId,
    insurer: 'city-health-fund',
    currency: 'EUR',
    version: 0,
    effectiveFrom: new Date(Date.now() - dayMs).toISOString().slice(0, 10),
    deductibleMinor,
    outOfPocketMaxMinor,
    categories: [
      category(ServiceCategory.SERVICE_CATEGORY_GP_VISIT, 1_000n, false, 2_000),
      category(ServiceCategory.SERVICE_CATEGORY_LAB, 0n, true, 1_000),
    ],
    excludedCodes: [],
    concessionOverrides: [],
  };
}

/** Checks the patient in at `clinic`, adds one line per code (billed at `unitPriceMinor`) and finalizes the bill. */
export async function finalizedBill(
  clinic: Clinic,
  patient: Patient,
  lines: readonly { code: keyof typeof fees; unitPriceMinor: bigint }[] = [
    { code: 'GP-101', unitPriceMinor: 5_000n },
    { code: 'LB-402', unitPriceMinor: 3_000n },
  ],
): Promise<Bill> {
  const opened = (await openBill(clinic, patient, lines)).billId;
  const { bill } = await clinic.billing.finalizeBill({ idempotencyKey: key(), billId: opened });
  assert.equal(bill?.status, BillStatus.BILL_STATUS_AWAITING_PAYMENT);
  return bill;
}

/** Checks the patient in at `clinic` and adds the lines; the bill stays open. */
export async function openBill(
  clinic: Clinic,
  patient: Patient,
  lines: readonly { code: keyof typeof fees; unitPriceMinor: bigint }[],
): Promise<Bill> {
  const { bill } = await clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(clinic.name),
    plannedCodes: [],
  });
  assert.ok(bill);
  for (const line of lines)
    await clinic.billing.addChargeItem({
      idempotencyKey: key(),
      billId: bill.billId,
      code: line.code,
      serviceDate: '',
      quantity: 1,
      unitPriceMinor: line.unitPriceMinor,
      note: 'seen for a cough',
    });
  return bill;
}

/** `code`'s digest under health billing's active key, as finalize records it. */
export function codeDigest(h: HealthBillingParties, code: string): Buffer {
  return parseKeyRing(h.env.HEALTH_BILLING_DATA_KEYS ?? assert.fail('no data keys')).digest(code, codeDigestPurpose);
}

/**
 * Lines of `code` each clinic billed yesterday, put straight into clinic_code_days (what hundreds of finalized bills
 * would have counted there), after clearing every earlier count.
 */
export async function putPeerHistory(
  h: HealthBillingParties,
  code: string,
  linesByClinic: Readonly<Record<string, number>>,
): Promise<void> {
  await h.db.query('DELETE FROM clinic_code_days');
  for (const [clinic, lines] of Object.entries(linesByClinic))
    await h.db.query('INSERT INTO clinic_code_days (code_digest, day, clinic, lines) VALUES ($1, $2, $3, $4)', [
      codeDigest(h, code),
      serviceDateOf(Date.now() - dayMs),
      clinic,
      lines,
    ]);
}
