import assert from 'node:assert/strict';
import test from 'node:test';
import { DecayingRows, DecayingTotals, decayFactor, halfLivesMs } from './decay.ts';

const hourMs = 3_600_000;

test('decay - a value halves after exactly one half-life at every horizon', () => {
  for (const [index, halfLifeMs] of halfLivesMs.entries()) {
    const totals = new DecayingTotals();
    totals.add(1_000, 800);
    assert.ok(Math.abs(totals.countAt(index, 1_000 + halfLifeMs) - 0.5) < 1e-12);
    assert.ok(Math.abs(totals.amountAt(index, 1_000 + halfLifeMs) - 400) < 1e-9);
    assert.ok(Math.abs(totals.amountAt(index, 1_000 + 3 * halfLifeMs) - 100) < 1e-9);
  }
});

test('decay - lazy decay equals decaying step by step', () => {
  const lazy = new DecayingTotals();
  lazy.add(0, 10);
  lazy.add(2 * hourMs, 20);
  const expected1h = 10 * 0.25 + 20;
  assert.ok(Math.abs(lazy.amountAt(0, 2 * hourMs) - expected1h) < 1e-9);
  assert.ok(Math.abs(lazy.countAt(0, 2 * hourMs) - 1.25) < 1e-12);
  assert.ok(Math.abs(lazy.countAt(1, 2 * hourMs) - (2 ** (-2 / 24) + 1)) < 1e-12);
});

test('decay - no elapsed time or time running backwards keeps the value', () => {
  assert.equal(decayFactor(0, hourMs), 1);
  assert.equal(decayFactor(-5, hourMs), 1);
});

test('decay - an event older than the last update counts as decayed from its own time', () => {
  const totals = new DecayingTotals();
  totals.add(10 * hourMs, 1);
  totals.add(9 * hourMs, 4);
  assert.ok(Math.abs(totals.countAt(0, 10 * hourMs) - 1.5) < 1e-12);
  assert.ok(Math.abs(totals.amountAt(0, 10 * hourMs) - 3) < 1e-12);
  assert.equal(totals.atMs, 10 * hourMs);
});

test('decay - the totals are the same whatever order the events came in', () => {
  const times = [5, 1, 9, 3, 7].map((minutes) => minutes * 600_000);
  const inOrder = new DecayingTotals();
  const shuffled = new DecayingTotals();
  for (const atMs of [...times].sort((a, b) => a - b)) inOrder.add(atMs, atMs / 1000);
  for (const atMs of times) shuffled.add(atMs, atMs / 1000);
  for (let horizon = 0; horizon < halfLivesMs.length; horizon += 1) {
    const atMs = 12 * 600_000;
    assert.ok(Math.abs(inOrder.countAt(horizon, atMs) - shuffled.countAt(horizon, atMs)) < 1e-12);
    assert.ok(Math.abs(inOrder.amountAt(horizon, atMs) - shuffled.amountAt(horizon, atMs)) < 1e-9);
  }
});

test('decay - rows keeping some horizons hold the same values, bit for bit, as totals keeping all', () => {
  const totals = new DecayingTotals();
  const rows = new DecayingRows([0, 2], true);
  const countsOnly = new DecayingRows([1], false);
  rows.reserve(2);
  countsOnly.reserve(2);
  const times = [5 * hourMs, 5 * hourMs + 1, 4 * hourMs, 30 * hourMs, 900 * hourMs];
  for (const [index, atMs] of times.entries()) {
    totals.add(atMs, 100 + index);
    rows.add(1, atMs, 100 + index);
    countsOnly.add(1, atMs, 100 + index);
    const readAtMs = atMs + 1_234_567;
    assert.equal(rows.countAt(1, 0, readAtMs), totals.countAt(0, readAtMs));
    assert.equal(rows.amountAt(1, 2, readAtMs), totals.amountAt(2, readAtMs));
    assert.equal(countsOnly.countAt(1, 1, readAtMs), totals.countAt(1, readAtMs));
  }
  assert.equal(rows.countAt(0, 0, hourMs), 0);
  assert.equal(rows.lastAtMs(1), 900 * hourMs);
  assert.throws(() => rows.countAt(1, 1, hourMs), /horizon is kept/);
  assert.throws(() => countsOnly.amountAt(1, 1, hourMs), /amounts are kept/);
});
