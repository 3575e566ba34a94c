// Aurelia, the sample city (transit's too), gets a health fund: a catalogue of 22 invented codes across the
// categories, the Riverside Clinic's fee schedule, and the fund's standard plan with a senior variant (a concession
// override: lower copays, coinsurance and out-of-pocket maximum). Amounts in EUR cents. For tests and demos.
import { createCodeCatalogue, type CodeEntry } from './codes.ts';
import { createFeeSchedule } from './fee_schedule.ts';
import type { PlanScheduleInput } from './plan.ts';
import { createPlanSchedule } from './plan_schedule.ts';

export const sampleCurrency = 'EUR';
export const sampleClinicId = 'aurelia-riverside-clinic';

/** Code, category, description and the Riverside Clinic's allowed amount in cents. */
const codes: readonly (readonly [string, CodeEntry['category'], string, bigint])[] = [
  ['GP-101', 'gp_visit', 'General practice consultation', 4_500n],
  ['GP-102', 'gp_visit', 'Extended general practice consultation', 7_500n],
  ['GP-103', 'gp_visit', 'General practice home visit', 9_000n],
  ['SP-201', 'specialist', 'Specialist consultation, first visit', 12_000n],
  ['SP-202', 'specialist', 'Specialist follow-up consultation', 8_000n],
  ['IM-301', 'imaging', 'X-ray, chest, two views', 6_000n],
  ['IM-302', 'imaging', 'Ultrasound, abdomen', 11_000n],
  ['IM-303', 'imaging', 'MRI, one body region', 145_000n],
  ['IM-304', 'imaging', 'CT, head', 60_000n],
  ['IM-305', 'imaging', 'Whole-body screening MRI', 190_000n],
  ['LB-401', 'lab', 'Blood panel, comprehensive metabolic', 13_000n],
  ['LB-402', 'lab', 'Full blood count', 2_500n],
  ['LB-403', 'lab', 'Urinalysis', 1_500n],
  ['RX-501', 'pharmacy', 'Dispensing, generic medicine', 1_200n],
  ['RX-502', 'pharmacy', 'Dispensing, branded medicine', 4_500n],
  ['PT-601', 'physio', 'Physiotherapy session, 30 minutes', 5_500n],
  ['PV-701', 'preventive', 'Annual health check', 9_000n],
  ['PV-702', 'preventive', 'Influenza vaccination', 2_500n],
  ['PV-703', 'preventive', 'Travel vaccination', 3_500n],
  ['ER-801', 'emergency', 'Emergency department visit', 35_000n],
  ['MH-901', 'mental_health', 'Psychotherapy session, 50 minutes', 9_500n],
  ['DN-1001', 'dental', 'Dental check-up', 6_000n],
];

export const sampleCatalogue = createCodeCatalogue(
  codes.map(([code, category, description]) => ({ code, category, description })),
);

export const sampleFeeSchedule = createFeeSchedule(
  {
    clinicId: sampleClinicId,
    currency: sampleCurrency,
    fees: codes.map(([code, , , allowedMinor]) => ({ code, allowedMinor })),
  },
  sampleCatalogue,
);

/**
 * Aurelia Health Fund Standard from 2025: deductible 1,000.00, out-of-pocket maximum 3,000.00 a year; dental is
 * not covered; the screening MRI and travel vaccinations are excluded. Seniors: out-of-pocket maximum 1,500.00,
 * half the GP, specialist, pharmacy and emergency copays, 10 % coinsurance on imaging and lab.
 */
export const sampleStandardPlanInput: PlanScheduleInput = {
  planId: 'aurelia-health-standard',
  name: 'Aurelia Health Fund Standard',
  currency: sampleCurrency,
  versions: [
    {
      version: 1,
      effectiveFrom: '2025-01-01',
      deductibleMinor: 100_000n,
      outOfPocketMaxMinor: 300_000n,
      categories: {
        gp_visit: { copayMinor: 2_000n, deductibleApplies: false, coinsuranceBasisPoints: 0 },
        specialist: { copayMinor: 6_000n, deductibleApplies: false, coinsuranceBasisPoints: 0 },
        imaging: {
          copayMinor: 0n,
          deductibleApplies: true,
          coinsuranceBasisPoints: 2_000,
          preauthorizationCodes: ['IM-303', 'IM-304'],
          preauthorizationAboveMinor: 50_000n,
        },
        lab: { copayMinor: 0n, deductibleApplies: true, coinsuranceBasisPoints: 2_000 },
        pharmacy: { copayMinor: 500n, deductibleApplies: false, coinsuranceBasisPoints: 1_000 },
        physio: { copayMinor: 1_500n, deductibleApplies: false, coinsuranceBasisPoints: 0, yearlyVisitLimit: 12 },
        preventive: { copayMinor: 0n, deductibleApplies: false, coinsuranceBasisPoints: 0 },
        emergency: { copayMinor: 15_000n, deductibleApplies: true, coinsuranceBasisPoints: 2_000 },
        mental_health: {
          copayMinor: 2_500n,
          deductibleApplies: false,
          coinsuranceBasisPoints: 0,
          yearlyPlanPaidCapMinor: 150_000n,
        },
      },
      excludedCodes: ['IM-305', 'PV-703'],
      concessionOverrides: {
        senior: {
          outOfPocketMaxMinor: 150_000n,
          categories: {
            gp_visit: { copayMinor: 1_000n },
            specialist: { copayMinor: 3_000n },
            imaging: { coinsuranceBasisPoints: 1_000 },
            lab: { coinsuranceBasisPoints: 1_000 },
            pharmacy: { copayMinor: 250n },
            emergency: { copayMinor: 7_500n },
          },
        },
      },
    },
  ],
};

export const sampleStandardPlan = createPlanSchedule(sampleStandardPlanInput, sampleCatalogue);
