// The small plan most health-billing tests bill under: a GP visit (copay 10.00, then 20 % coinsurance, no
// deductible) and a lab category (deductible 50.00 applies, then 10 %), OOP maximum 1,000.00; the clinic's fees
// 45.00 (GP-101) and 25.00 (LB-402). One home, so the worked numbers in each test file read against the same plan.
import { randomBytes } from 'node:crypto';
import { ServiceCategory } from '@citypass/proto/health_billing/v1/health_billing';
import type { HealthBillingHarness } from './harness.ts';

const dayMs = 86_400_000;
/** The plan's first day: yesterday, so a visit today is covered. */
export const yesterday = new Date(Date.now() - dayMs).toISOString().slice(0, 10);
const key = (): string => randomBytes(8).toString('hex');

/** The plan as PutPlan takes it. */
export function gpAndLabPlan(planId: string, insurer: string) {
  return {
    planId,
    insurer,
    currency: 'EUR',
    version: 0,
    effectiveFrom: yesterday,
    deductibleMinor: 5_000n,
    outOfPocketMaxMinor: 100_000n,
    categories: [
      {
        category: ServiceCategory.SERVICE_CATEGORY_GP_VISIT,
        copayMinor: 1_000n,
        deductibleApplies: false,
        coinsuranceBps: 2_000,
        visitLimit: 0,
        planPaidCapMinor: 0n,
        preauthorizationCodes: [],
        preauthorizationThresholdMinor: 0n,
      },
      {
        category: ServiceCategory.SERVICE_CATEGORY_LAB,
        copayMinor: 0n,
        deductibleApplies: true,
        coinsuranceBps: 1_000,
        visitLimit: 0,
        planPaidCapMinor: 0n,
        preauthorizationCodes: [],
        preauthorizationThresholdMinor: 0n,
      },
    ],
    excludedCodes: [],
    concessionOverrides: [],
  };
}

/** The two codes, the harness clinic's fees and the plan (put "two days ago", as a plan starts after its day). */
export async function setUpGpAndLab(h: HealthBillingHarness, planId: string): Promise<void> {
  await h.operator.putCodes({
    idempotencyKey: key(),
    codes: [
      {
        code: 'GP-101',
        category: ServiceCategory.SERVICE_CATEGORY_GP_VISIT,
        description: 'GP consultation',
        maxQuantity: 0,
      },
      {
        code: 'LB-402',
        category: ServiceCategory.SERVICE_CATEGORY_LAB,
        description: 'Full blood count',
        maxQuantity: 0,
      },
    ],
  });
  await h.operator.putFeeSchedule({
    idempotencyKey: key(),
    clinic: h.clinic.name,
    currency: 'EUR',
    entries: [
      { code: 'GP-101', allowedMinor: 4_500n },
      { code: 'LB-402', allowedMinor: 2_500n },
    ],
  });
  h.setClockOffset(-2 * dayMs);
  try {
    await h.operator.putPlan({ idempotencyKey: key(), plan: gpAndLabPlan(planId, h.insurer) });
  } finally {
    h.setClockOffset(0);
  }
}
