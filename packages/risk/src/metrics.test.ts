import assert from 'node:assert/strict';
import test from 'node:test';
import { atThreshold, precisionOfTop, precisionRecallAuc } from './metrics.ts';

const rows = [
  { rank: 90, positive: true },
  { rank: 80, positive: false },
  { rank: 70, positive: true },
  { rank: 10, positive: false },
];

test('metrics - precision, recall and F1 at a threshold', () => {
  assert.deepEqual(atThreshold(rows, 75), { threshold: 75, precision: 0.5, recall: 0.5, f1: 0.5 });
  const all = atThreshold(rows, 70);
  assert.ok(Math.abs(all.precision - 2 / 3) < 1e-12);
  assert.equal(all.recall, 1);
  assert.deepEqual(atThreshold(rows, 95), { threshold: 95, precision: 0, recall: 0, f1: 0 });
});

test('metrics - average precision steps at each rank and counts ties together', () => {
  assert.ok(Math.abs(precisionRecallAuc(rows) - (0.5 * 1 + 0.5 * (2 / 3))) < 1e-12);
  const tied = [
    { rank: 50, positive: true },
    { rank: 50, positive: false },
  ];
  assert.equal(precisionRecallAuc(tied), 0.5);
  assert.equal(precisionRecallAuc([{ rank: 1, positive: false }]), 0);
});

test('metrics - precision of the top alerts', () => {
  assert.equal(precisionOfTop(rows, 2), 0.5);
  assert.equal(precisionOfTop(rows, 1), 1);
  assert.equal(precisionOfTop([], 100), 0);
});
