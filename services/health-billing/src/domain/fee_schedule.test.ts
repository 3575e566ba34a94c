import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFeeSchedule, type FeeScheduleInput } from './fee_schedule.ts';
import { sampleCatalogue, sampleClinicId, sampleFeeSchedule } from './sample.ts';
import { refusal, refusalMessage } from './testing/fixtures.ts';

const input: FeeScheduleInput = {
  clinicId: sampleClinicId,
  currency: 'EUR',
  fees: [
    { code: 'GP-101', allowedMinor: 4_500n },
    { code: 'LB-401', allowedMinor: 13_000n },
  ],
};
const schedule = (changes: Partial<FeeScheduleInput>): string =>
  refusal(() => createFeeSchedule({ ...input, ...changes }, sampleCatalogue));
const fee = (code: string, allowedMinor: bigint): FeeScheduleInput['fees'] => [{ code, allowedMinor }];

test('fee schedule - codes must be in the catalogue and priced once, amounts 0 to 10^12 minor units', () => {
  assert.equal(schedule({}), 'ok');
  assert.equal(schedule({ fees: fee('XX-999', 100n) }), 'invalid_argument:CODE_UNKNOWN');
  assert.equal(schedule({ fees: fee('not a code', 100n) }), 'invalid_argument:CODE_INVALID');
  assert.equal(schedule({ fees: [...input.fees, ...fee('GP-101', 1n)] }), 'invalid_argument:CODE_DUPLICATE');
  assert.equal(schedule({ fees: fee('GP-101', -1n) }), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(schedule({ fees: fee('GP-101', 45 as unknown as bigint) }), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(schedule({ fees: fee('GP-101', 1_000_000_000_001n) }), 'invalid_argument:AMOUNT_TOO_LARGE');
  assert.equal(schedule({ fees: fee('GP-101', 1_000_000_000_000n) }), 'ok');
  assert.equal(schedule({ fees: fee('GP-101', 0n) }), 'ok');
});

test('fee schedule - a bad clinic id or currency is refused, naming the field', () => {
  assert.equal(schedule({ currency: 'euro' }), 'invalid_argument:CURRENCY_INVALID');
  assert.equal(schedule({ clinicId: '' }), 'invalid_argument:ID_INVALID');
  assert.match(
    refusalMessage(() => createFeeSchedule({ ...input, currency: 'eur' }, sampleCatalogue)),
    /currency/,
  );
  assert.match(
    refusalMessage(() => createFeeSchedule({ ...input, fees: fee('GP-101', -5n) }, sampleCatalogue)),
    /fees\[0\]\.allowedMinor/,
  );
});

test('fee schedule - the sample clinic prices every catalogue code', () => {
  assert.deepEqual([...sampleFeeSchedule.allowedByCode.keys()].sort(), [...sampleCatalogue.entries.keys()].sort());
  assert.equal(sampleFeeSchedule.allowedByCode.get('IM-303'), 145_000n);
});
