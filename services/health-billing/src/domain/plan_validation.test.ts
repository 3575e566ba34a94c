import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CategoryBenefitInput, PlanScheduleInput, PlanVersionInput } from './plan.ts';
import { createPlanSchedule } from './plan_schedule.ts';
import { planScheduleProblems } from './plan_validation.ts';
import { sampleCatalogue, sampleStandardPlanInput } from './sample.ts';
import { refusal, refusalMessage } from './testing/fixtures.ts';

const [standard] = sampleStandardPlanInput.versions;
assert.ok(standard !== undefined);
const imaging = standard.categories.imaging;
assert.ok(imaging !== undefined);

const withVersion = (version: PlanVersionInput): PlanScheduleInput => ({
  ...sampleStandardPlanInput,
  versions: [version],
});
const check = (version: PlanVersionInput): string =>
  refusal(() => createPlanSchedule(withVersion(version), sampleCatalogue));
const withImaging = (changes: Partial<Record<keyof CategoryBenefitInput, unknown>>): PlanVersionInput => ({
  ...standard,
  categories: { ...standard.categories, imaging: { ...imaging, ...changes } as CategoryBenefitInput },
});
const fieldsOf = (input: PlanScheduleInput): string[] =>
  planScheduleProblems(input, sampleCatalogue).map((problem) => `${problem.reason} ${problem.field}`);

test('plan validation - negative, non-bigint and oversized amounts are refused; 0 and 10^12 are fine', () => {
  assert.equal(check(standard), 'ok');
  assert.equal(check({ ...standard, deductibleMinor: -1n }), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(check(withImaging({ copayMinor: -1n })), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(check(withImaging({ copayMinor: 60 })), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(check(withImaging({ yearlyPlanPaidCapMinor: -5n })), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(check(withImaging({ preauthorizationAboveMinor: 'a lot' })), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(check(withImaging({ copayMinor: 1_000_000_000_001n })), 'invalid_argument:AMOUNT_TOO_LARGE');
  const huge = 1_000_000_000_000n;
  assert.equal(check({ ...standard, outOfPocketMaxMinor: huge, deductibleMinor: huge, concessionOverrides: {} }), 'ok');
  assert.equal(check({ ...standard, outOfPocketMaxMinor: huge + 1n }), 'invalid_argument:AMOUNT_TOO_LARGE');
  assert.equal(check({ ...standard, deductibleMinor: 0n, outOfPocketMaxMinor: 0n, concessionOverrides: {} }), 'ok');
});

test('plan validation - coinsurance is whole basis points 0-10000; visit limits whole numbers 0-10000', () => {
  assert.equal(check(withImaging({ coinsuranceBasisPoints: 10_000 })), 'ok');
  assert.equal(check(withImaging({ coinsuranceBasisPoints: 10_001 })), 'invalid_argument:COINSURANCE_INVALID');
  assert.equal(check(withImaging({ coinsuranceBasisPoints: -1 })), 'invalid_argument:COINSURANCE_INVALID');
  assert.equal(check(withImaging({ coinsuranceBasisPoints: 20.5 })), 'invalid_argument:COINSURANCE_INVALID');
  assert.equal(check(withImaging({ coinsuranceBasisPoints: 2_000n })), 'invalid_argument:COINSURANCE_INVALID');
  assert.equal(check(withImaging({ yearlyVisitLimit: 0 })), 'ok');
  assert.equal(check(withImaging({ yearlyVisitLimit: 1.5 })), 'invalid_argument:VISIT_LIMIT_INVALID');
  assert.equal(check(withImaging({ yearlyVisitLimit: 10_001 })), 'invalid_argument:VISIT_LIMIT_INVALID');
  assert.equal(check(withImaging({ deductibleApplies: 'yes' })), 'invalid_argument:BENEFIT_INVALID');
});

test('plan validation - an out-of-pocket maximum below the deductible is refused, a concession’s too', () => {
  assert.equal(
    check({ ...standard, outOfPocketMaxMinor: 99_999n }),
    'invalid_argument:OUT_OF_POCKET_MAX_BELOW_DEDUCTIBLE',
  );
  assert.equal(check({ ...standard, outOfPocketMaxMinor: 100_000n, concessionOverrides: {} }), 'ok');
  const senior = { senior: { outOfPocketMaxMinor: 90_000n } };
  assert.equal(
    check({ ...standard, concessionOverrides: senior }),
    'invalid_argument:OUT_OF_POCKET_MAX_BELOW_DEDUCTIBLE',
  );
  assert.deepEqual(fieldsOf(withVersion({ ...standard, concessionOverrides: senior })), [
    'OUT_OF_POCKET_MAX_BELOW_DEDUCTIBLE versions[0].concessionOverrides.senior.outOfPocketMaxMinor',
  ]);
});

test('plan validation - unknown categories and concessions, and overrides of uncovered categories, are refused', () => {
  const categories = { ...standard.categories, surgery: imaging } as PlanVersionInput['categories'];
  assert.equal(check({ ...standard, categories }), 'invalid_argument:CATEGORY_UNKNOWN');
  const overrides = (value: unknown): PlanVersionInput => ({
    ...standard,
    concessionOverrides: value as NonNullable<PlanVersionInput['concessionOverrides']>,
  });
  assert.equal(check(overrides({ veteran: {} })), 'invalid_argument:CONCESSION_UNKNOWN');
  assert.equal(check(overrides({ senior: { categories: { surgery: {} } } })), 'invalid_argument:CATEGORY_UNKNOWN');
  assert.equal(
    check(overrides({ senior: { categories: { dental: { copayMinor: 0n } } } })),
    'invalid_argument:OVERRIDE_CATEGORY_NOT_COVERED',
  );
  assert.equal(
    check(overrides({ child: { categories: { lab: { coinsuranceBasisPoints: 20_000 } } } })),
    'invalid_argument:COINSURANCE_INVALID',
  );
  assert.equal(
    check(overrides({ child: { categories: { lab: { copayMinor: -1n } } } })),
    'invalid_argument:AMOUNT_INVALID',
  );
  assert.equal(
    check({ ...standard, categories: null as unknown as PlanVersionInput['categories'] }),
    'invalid_argument:PLAN_INVALID',
  );
});

test('plan validation - listed codes must be known, once, and (for pre-authorization) of the category', () => {
  assert.equal(check({ ...standard, excludedCodes: ['XX-1'] }), 'invalid_argument:CODE_UNKNOWN');
  assert.equal(check({ ...standard, excludedCodes: ['IM-305', 'IM-305'] }), 'invalid_argument:CODE_DUPLICATE');
  assert.equal(check({ ...standard, excludedCodes: ['bad code'] }), 'invalid_argument:CODE_INVALID');
  assert.equal(check(withImaging({ preauthorizationCodes: ['LB-401'] })), 'invalid_argument:CODE_CATEGORY_MISMATCH');
  assert.equal(
    check(withImaging({ preauthorizationCodes: Array.from({ length: 1_001 }, () => 'IM-303') })),
    'invalid_argument:LIST_TOO_LONG',
  );
});

test('plan validation - versions are 1-100, increasing in number and effective date; dates are real', () => {
  const next = { ...standard, version: 2, effectiveFrom: '2026-01-01' };
  const schedule = (versions: readonly PlanVersionInput[]): string =>
    refusal(() => createPlanSchedule({ ...sampleStandardPlanInput, versions }, sampleCatalogue));
  assert.equal(schedule([standard, next]), 'ok');
  assert.equal(schedule([]), 'invalid_argument:PLAN_VERSIONS_INVALID');
  assert.equal(schedule([next, standard]), 'invalid_argument:PLAN_VERSIONS_INVALID');
  assert.equal(
    schedule([standard, { ...next, effectiveFrom: '2025-01-01' }]),
    'invalid_argument:PLAN_VERSIONS_INVALID',
  );
  assert.equal(schedule([standard, { ...next, version: 1 }]), 'invalid_argument:PLAN_VERSIONS_INVALID');
  assert.equal(schedule([{ ...standard, version: 0 }]), 'invalid_argument:PLAN_VERSIONS_INVALID');
  assert.equal(schedule([{ ...standard, effectiveFrom: '2025-02-30' }]), 'invalid_argument:DATE_INVALID');
  assert.equal(schedule(Array.from({ length: 101 }, () => standard)), 'invalid_argument:PLAN_VERSIONS_INVALID');
});

test('plan validation - plan id, name and currency are checked', () => {
  const plan = (changes: Partial<PlanScheduleInput>): string =>
    refusal(() => createPlanSchedule({ ...sampleStandardPlanInput, ...changes }, sampleCatalogue));
  assert.equal(plan({ currency: 'Euro' }), 'invalid_argument:CURRENCY_INVALID');
  assert.equal(plan({ planId: 'has space' }), 'invalid_argument:ID_INVALID');
  assert.equal(plan({ name: '' }), 'invalid_argument:TEXT_INVALID');
});

test('plan validation - every problem is reported at once with its field; the error names them all', () => {
  const broken = withVersion({
    ...withImaging({ coinsuranceBasisPoints: 12_000, copayMinor: -1n }),
    deductibleMinor: 400_000n,
  });
  assert.deepEqual(fieldsOf(broken), [
    'OUT_OF_POCKET_MAX_BELOW_DEDUCTIBLE versions[0].outOfPocketMaxMinor',
    'AMOUNT_INVALID versions[0].categories.imaging.copayMinor',
    'COINSURANCE_INVALID versions[0].categories.imaging.coinsuranceBasisPoints',
    'OUT_OF_POCKET_MAX_BELOW_DEDUCTIBLE versions[0].concessionOverrides.senior.outOfPocketMaxMinor',
  ]);
  const message = refusalMessage(() => createPlanSchedule(broken, sampleCatalogue));
  assert.match(message, /^plan schedule: versions\[0\]\.outOfPocketMaxMinor must not be below the deductible; /);
  assert.match(message, /categories\.imaging\.coinsuranceBasisPoints must be whole basis points from 0 to 10000/);
});
