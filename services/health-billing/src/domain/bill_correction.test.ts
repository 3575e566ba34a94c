import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correctLines, refundOf } from './bill_correction.ts';
import { maxAmountMinor } from './money.ts';
import { refusal } from './testing/fixtures.ts';

const lines = [
  { lineId: 'a', active: true, billedMinor: 5_000n },
  { lineId: 'b', active: true, billedMinor: 3_000n },
  { lineId: 'c', active: false, billedMinor: 2_000n },
  { lineId: 'd', active: true, billedMinor: 1_000n },
];

test('bill correction - cancelled lines leave, re-priced ones keep their place at the new amount', () => {
  assert.deepEqual(correctLines(lines, { cancelLineIds: ['b'], reprices: [{ lineId: 'd', billedMinor: 400n }] }), {
    remaining: [
      { lineId: 'a', billedMinor: 5_000n },
      { lineId: 'd', billedMinor: 400n },
    ],
    cancelledLineIds: ['b'],
    repricedLineIds: ['d'],
  });
  assert.deepEqual(correctLines(lines, { cancelLineIds: ['a', 'b', 'd'], reprices: [] }).remaining, []);
});

test('bill correction - unknown, cancelled or twice-named lines, bad amounts and empty corrections are refused', () => {
  const reprice = (lineId: string, billedMinor: bigint) => [{ lineId, billedMinor }];
  assert.equal(
    refusal(() => correctLines(lines, { cancelLineIds: [], reprices: [] })),
    'invalid_argument:CORRECTION_EMPTY',
  );
  for (const request of [
    { cancelLineIds: ['x'], reprices: [] },
    { cancelLineIds: ['c'], reprices: [] },
    { cancelLineIds: ['a', 'a'], reprices: [] },
    { cancelLineIds: ['a'], reprices: reprice('a', 10n) },
  ])
    assert.equal(
      refusal(() => correctLines(lines, request)),
      'invalid_argument:LINE_NOT_CORRECTABLE',
    );
  for (const billedMinor of [0n, -1n, maxAmountMinor + 1n])
    assert.equal(
      refusal(() => correctLines(lines, { cancelLineIds: [], reprices: reprice('a', billedMinor) })),
      'invalid_argument:AMOUNT_INVALID',
    );
  assert.equal(
    refusal(() => correctLines(lines, { cancelLineIds: [], reprices: reprice('a', maxAmountMinor) })),
    'ok',
  );
});

test('bill correction - the refund is what each share fell by; a share that would grow is refused', () => {
  const before = { writtenOffMinor: 500n, patientMinor: 2_000n, planMinor: 6_000n };
  assert.deepEqual(refundOf(before, { writtenOffMinor: 100n, patientMinor: 1_200n, planMinor: 6_000n }), {
    patientRefundMinor: 800n,
    planRefundMinor: 0n,
    writtenOffDeltaMinor: -400n,
  });
  assert.deepEqual(refundOf(before, before), { patientRefundMinor: 0n, planRefundMinor: 0n, writtenOffDeltaMinor: 0n });
  assert.equal(
    refusal(() => refundOf(before, { ...before, patientMinor: 2_001n, planMinor: 0n })),
    'failed_precondition:CORRECTION_INCREASES_PATIENT_SHARE',
  );
  assert.equal(
    refusal(() => refundOf(before, { ...before, patientMinor: 0n, planMinor: 6_001n })),
    'failed_precondition:CORRECTION_INCREASES_PLAN_SHARE',
  );
});
