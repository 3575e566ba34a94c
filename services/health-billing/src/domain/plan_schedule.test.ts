import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPlanSchedule, planVersionOn } from './plan_schedule.ts';
import { sampleCatalogue, sampleStandardPlan, sampleStandardPlanInput } from './sample.ts';

const [standard] = sampleStandardPlanInput.versions;
assert.ok(standard !== undefined);

test('plan schedule - the version in force is the last one effective on or before the service date', () => {
  const schedule = createPlanSchedule(
    {
      ...sampleStandardPlanInput,
      versions: [standard, { ...standard, version: 2, effectiveFrom: '2025-07-01', deductibleMinor: 120_000n }],
    },
    sampleCatalogue,
  );
  assert.equal(planVersionOn(schedule, '2024-12-31'), undefined);
  assert.equal(planVersionOn(schedule, '2025-01-01')?.version, 1);
  assert.equal(planVersionOn(schedule, '2025-06-30')?.version, 1);
  assert.equal(planVersionOn(schedule, '2025-07-01')?.version, 2);
  assert.equal(planVersionOn(schedule, '2031-01-01')?.terms.adult.deductibleMinor, 120_000n);
});

test('plan schedule - a concession override replaces what it names; other classes get the plan as written', () => {
  const version = sampleStandardPlan.versions[0];
  assert.ok(version !== undefined);
  const { adult, senior, child, student } = version.terms;
  assert.deepEqual([adult.outOfPocketMaxMinor, senior.outOfPocketMaxMinor], [300_000n, 150_000n]);
  assert.deepEqual([adult.deductibleMinor, senior.deductibleMinor], [100_000n, 100_000n]);
  assert.deepEqual(
    [adult.categories.specialist?.copayMinor, senior.categories.specialist?.copayMinor],
    [6_000n, 3_000n],
  );
  assert.deepEqual(
    [adult.categories.imaging?.coinsuranceBasisPoints, senior.categories.imaging?.coinsuranceBasisPoints],
    [2_000, 1_000],
  );
  const seniorImaging = senior.categories.imaging;
  assert.ok(seniorImaging !== undefined);
  assert.equal(seniorImaging.copayMinor, 0n, 'an override of coinsurance keeps the copay');
  assert.ok(seniorImaging.preauthorizationCodes.has('IM-303'));
  assert.deepEqual(child, adult);
  assert.deepEqual(student, adult);
  assert.equal(adult.categories.dental, undefined, 'dental is not covered');
  assert.ok(adult.excludedCodes.has('PV-703') && senior.excludedCodes.has('IM-305'));
});
