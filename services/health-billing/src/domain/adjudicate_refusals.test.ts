import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjudicateBill } from './adjudicate.ts';
import type { AdjudicationInput, BillLine } from './adjudication.ts';
import { createFeeSchedule } from './fee_schedule.ts';
import { sampleCatalogue, sampleClinicId } from './sample.ts';
import { accumulators, billInput, line, lines, refusal, refusalMessage } from './testing/fixtures.ts';

const refused = (input: AdjudicationInput): string => refusal(() => adjudicateBill(input));
const withLine = (changes: Partial<Record<keyof BillLine, unknown>>): AdjudicationInput =>
  billInput([{ ...line('GP-101', 4_500n), ...changes } as BillLine]);

test('adjudication refusals - the bill’s, the plan’s and the fee schedule’s currencies must agree', () => {
  assert.equal(
    refused({ ...billInput(lines([['GP-101', 4_500n]])), currency: 'USD' }),
    'invalid_argument:CURRENCY_MISMATCH',
  );
  const dollars = createFeeSchedule({ clinicId: sampleClinicId, currency: 'USD', fees: [] }, sampleCatalogue);
  assert.equal(
    refused({ ...billInput(lines([['GP-101', 4_500n]])), feeSchedule: dollars }),
    'invalid_argument:CURRENCY_MISMATCH',
  );
});

test('adjudication refusals - a bill has 1-100 lines with unique ids', () => {
  assert.equal(refused(billInput([])), 'invalid_argument:BILL_LINES_INVALID');
  const many = Array.from({ length: 101 }, (_, index) => line('GP-101', 4_500n, '2025-03-10', `l${index}`));
  assert.equal(refused(billInput(many)), 'invalid_argument:BILL_LINES_INVALID');
  assert.equal(refused(billInput(many.slice(0, 100))), 'ok');
  assert.equal(
    refused(billInput([line('GP-101', 4_500n), line('LB-401', 100n)])),
    'invalid_argument:BILL_LINES_INVALID',
  );
});

test('adjudication refusals - a malformed line is refused naming its field', () => {
  assert.equal(refused(withLine({ lineId: '' })), 'invalid_argument:ID_INVALID');
  assert.equal(refused(withLine({ billedMinor: -1n })), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(refused(withLine({ billedMinor: 45.5 })), 'invalid_argument:AMOUNT_INVALID');
  assert.equal(refused(withLine({ billedMinor: 1_000_000_000_001n })), 'invalid_argument:AMOUNT_TOO_LARGE');
  assert.equal(refused(withLine({ billedMinor: 0n })), 'ok');
  assert.equal(refused(withLine({ serviceDate: '2025-02-29' })), 'invalid_argument:DATE_INVALID');
  assert.equal(refused(withLine({ code: 'XX-000' })), 'invalid_argument:CODE_UNKNOWN');
  const second = [line('GP-101', 4_500n), line('GP-101', -4n, '2025-03-10', 'l2')];
  assert.match(
    refusalMessage(() => adjudicateBill(billInput(second))),
    /^lines\[1\]\.billedMinor/,
  );
});

test('adjudication refusals - a code without a fee at the clinic is refused (FEE_MISSING)', () => {
  const gpOnly = createFeeSchedule(
    { clinicId: sampleClinicId, currency: 'EUR', fees: [{ code: 'GP-101', allowedMinor: 4_500n }] },
    sampleCatalogue,
  );
  assert.equal(
    refused({ ...billInput(lines([['LB-401', 100n]])), feeSchedule: gpOnly }),
    'invalid_argument:FEE_MISSING',
  );
});

test('adjudication refusals - every line must be in the accumulators’ plan year', () => {
  const newYear = lines([
    ['GP-101', 4_500n, '2025-12-31'],
    ['GP-101', 4_500n, '2026-01-02'],
  ]);
  assert.equal(refused(billInput(newYear)), 'invalid_argument:PLAN_YEAR_MISMATCH');
  assert.equal(refused(billInput(newYear.slice(1), { used: accumulators({}, 2026) })), 'ok');
});

test('adjudication refusals - bad coverage, accumulators or pre-authorizations are refused', () => {
  const input = billInput(lines([['GP-101', 4_500n]]));
  assert.equal(
    refused({ ...input, coverage: { ...input.coverage, startsOn: 'soon' } }),
    'invalid_argument:COVERAGE_INVALID',
  );
  assert.equal(
    refused({ ...input, accumulators: { ...input.accumulators, outOfPocketMetMinor: -1n as never } }),
    'invalid_argument:ACCUMULATORS_INVALID',
  );
  assert.equal(
    refused({
      ...input,
      preauthorizations: [
        { id: 'p', memberId: 'm', codes: [], approvedMinor: 0n as never, expiresOn: '2025-01-01', state: 'approved' },
      ],
    }),
    'invalid_argument:PREAUTHORIZATION_INVALID',
  );
});
