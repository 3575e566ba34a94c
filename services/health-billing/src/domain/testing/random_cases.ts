// Test support: random plans, accumulators, bills and pre-authorizations over the sample catalogue and clinic, for
// property tests. Values cluster on the edges the rules care about: zero copays and copays above the fee, 0 % and
// 100 % coinsurance, visit limits and caps nearly used up, out-of-pocket maxima nearly met, pre-authorizations
// approved below the fee, expired, someone else's or already consumed.
import { concessions, type Concession } from '@citypass/contracts';
import type { Accumulators } from '../accumulators.ts';
import type { AdjudicationInput, BillLine } from '../adjudication.ts';
import { serviceCategories, type ServiceCategory } from '../codes.ts';
import { minorUnits } from '../money.ts';
import type { CategoryBenefitInput, ConcessionOverrideInput, PlanSchedule, PlanVersionInput } from '../plan.ts';
import { createPlanSchedule } from '../plan_schedule.ts';
import type { Preauthorization, PreauthorizationState } from '../preauthorization.ts';
import { sampleCatalogue, sampleCurrency, sampleFeeSchedule } from '../sample.ts';
import { accumulators, memberId } from './fixtures.ts';
import { chance, pick, randomInt, randomMinor, type Random } from '@citypass/platform/seeded_random';

const allCodes = [...sampleCatalogue.entries.keys()];
const codesOf = (category: ServiceCategory): string[] =>
  allCodes.filter((code) => sampleCatalogue.entries.get(code)?.category === category);

function randomBenefit(random: Random, category: ServiceCategory): CategoryBenefitInput {
  const codes = codesOf(category);
  return {
    copayMinor: pick(random, [0n, 0n, randomMinor(random, 0n, 20_000n), 500_000n]),
    deductibleApplies: chance(random, 0.5),
    coinsuranceBasisPoints: pick(random, [0, 10_000, 2_000, 2_500, 3_333, randomInt(random, 0, 10_000)]),
    ...(chance(random, 0.3) ? { yearlyVisitLimit: randomInt(random, 0, 4) } : {}),
    ...(chance(random, 0.3) ? { yearlyPlanPaidCapMinor: randomMinor(random, 0n, 200_000n) } : {}),
    ...(chance(random, 0.3) ? { preauthorizationCodes: codes.filter(() => chance(random, 0.5)) } : {}),
    ...(chance(random, 0.2) ? { preauthorizationAboveMinor: randomMinor(random, 0n, 100_000n) } : {}),
  };
}

function randomOverride(
  random: Random,
  deductible: bigint,
  covered: readonly ServiceCategory[],
): ConcessionOverrideInput {
  const categories: Partial<Record<ServiceCategory, { copayMinor?: bigint; coinsuranceBasisPoints?: number }>> = {};
  for (const category of covered) {
    if (chance(random, 0.4))
      categories[category] = {
        ...(chance(random, 0.5) ? { copayMinor: randomMinor(random, 0n, 10_000n) } : {}),
        ...(chance(random, 0.5) ? { coinsuranceBasisPoints: randomInt(random, 0, 10_000) } : {}),
      };
  }
  return {
    ...(chance(random, 0.5) ? { outOfPocketMaxMinor: deductible + randomMinor(random, 0n, 100_000n) } : {}),
    categories,
  };
}

function randomVersion(random: Random, version: number, effectiveFrom: string): PlanVersionInput {
  const deductibleMinor = chance(random, 0.2) ? 0n : randomMinor(random, 0n, 300_000n);
  const categories: Partial<Record<ServiceCategory, CategoryBenefitInput>> = {};
  for (const category of serviceCategories) {
    if (chance(random, 0.9)) categories[category] = randomBenefit(random, category);
  }
  const covered = serviceCategories.filter((category) => categories[category] !== undefined);
  const overrides: Partial<Record<Concession, ConcessionOverrideInput>> = {};
  for (const concession of concessions) {
    if (chance(random, 0.4)) overrides[concession] = randomOverride(random, deductibleMinor, covered);
  }
  return {
    version,
    effectiveFrom,
    deductibleMinor,
    outOfPocketMaxMinor: deductibleMinor + (chance(random, 0.2) ? 0n : randomMinor(random, 0n, 400_000n)),
    categories,
    excludedCodes: allCodes.filter(() => chance(random, 0.05)),
    concessionOverrides: overrides,
  };
}

/** One version from 2025-01-01, sometimes a second from a date within 2025. */
export function randomPlan(random: Random): PlanSchedule {
  const versions = [randomVersion(random, 1, '2025-01-01')];
  if (chance(random, 0.3)) versions.push(randomVersion(random, 2, randomDate(random, 2, 11)));
  return createPlanSchedule(
    { planId: 'random-plan', name: 'Random plan', currency: sampleCurrency, versions },
    sampleCatalogue,
  );
}

/** A 2025 date in months `fromMonth` to `toMonth` (days 1-28). */
export function randomDate(random: Random, fromMonth = 1, toMonth = 12): string {
  const month = String(randomInt(random, fromMonth, toMonth)).padStart(2, '0');
  return `2025-${month}-${String(randomInt(random, 1, 28)).padStart(2, '0')}`;
}

export function randomAccumulators(random: Random): Accumulators {
  const visits: Partial<Record<ServiceCategory, number>> = {};
  const planPaidMinor: Partial<Record<ServiceCategory, bigint>> = {};
  for (const category of serviceCategories) {
    visits[category] = pick(random, [0, 0, randomInt(random, 0, 5)]);
    planPaidMinor[category] = pick(random, [0n, randomMinor(random, 0n, 250_000n)]);
  }
  return accumulators({
    deductibleMetMinor: pick(random, [0n, randomMinor(random, 0n, 300_000n)]),
    outOfPocketMetMinor: pick(random, [0n, randomMinor(random, 0n, 300_000n), randomMinor(random, 0n, 600_000n)]),
    visits,
    planPaidMinor,
  });
}

/** 1-12 lines at the sample clinic, billed at, below or above its fee, on 2025 dates in order. */
export function randomLines(random: Random): BillLine[] {
  const count = randomInt(random, 1, 12);
  const dates = Array.from({ length: count }, () => randomDate(random)).sort();
  return dates.map((serviceDate, index) => {
    const code = pick(random, allCodes);
    const fee = sampleFeeSchedule.allowedByCode.get(code) ?? 0n;
    const billedMinor = pick(random, [fee, fee, randomMinor(random, 0n, fee), fee + randomMinor(random, 0n, fee), 0n]);
    return { lineId: `l${index + 1}`, code, serviceDate, billedMinor };
  });
}

/** Some for the bill's own codes (mostly usable on the line's date), some for any codes. */
export function randomPreauthorizations(random: Random, lines: readonly BillLine[]): Preauthorization[] {
  const states: PreauthorizationState[] = ['approved', 'approved', 'approved', 'consumed', 'denied', 'requested'];
  const forLines = lines.filter(() => chance(random, 0.4));
  const others = Array.from({ length: randomInt(random, 0, 2) }, () => ({
    code: pick(random, allCodes),
    serviceDate: randomDate(random),
  }));
  return [...forLines, ...others].map((target, index) => {
    const fee = sampleFeeSchedule.allowedByCode.get(target.code) ?? 0n;
    return {
      id: `pa-${index}`,
      memberId: chance(random, 0.9) ? memberId : 'member-2',
      codes: allCodes.filter(() => chance(random, 0.1)).concat(target.code),
      approvedMinor: minorUnits(pick(random, [fee, fee * 2n, randomMinor(random, 0n, fee)])),
      expiresOn: chance(random, 0.8) ? target.serviceDate : randomDate(random),
      state: pick(random, states),
    };
  });
}

export function randomInput(random: Random): AdjudicationInput {
  const endsOn = chance(random, 0.1) ? { endsOn: randomDate(random, 6, 12) } : {};
  const startsOn = chance(random, 0.8) ? '2025-01-01' : randomDate(random, 1, 3);
  const lines = randomLines(random);
  return {
    catalogue: sampleCatalogue,
    feeSchedule: sampleFeeSchedule,
    plan: randomPlan(random),
    coverage: { memberId, concession: pick(random, concessions), startsOn, ...endsOn },
    currency: sampleCurrency,
    lines,
    accumulators: randomAccumulators(random),
    preauthorizations: randomPreauthorizations(random, lines),
  };
}
