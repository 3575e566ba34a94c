import assert from 'node:assert/strict';
import test from 'node:test';
import { RunningStats } from './running_stats.ts';

test('running stats - mean, sample variance and z-score match the two-pass formulas', () => {
  const values = [2, 4, 4, 4, 5, 5, 7, 9];
  const stats = new RunningStats();
  for (const value of values) stats.add(value);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  assert.ok(Math.abs(stats.mean - mean) < 1e-12);
  assert.ok(Math.abs(stats.variance() - variance) < 1e-12);
  assert.ok(Math.abs(stats.zScore(9) - (9 - mean) / Math.sqrt(variance)) < 1e-12);
});

test('running stats - no spread yet gives a z-score of 0', () => {
  const stats = new RunningStats();
  assert.equal(stats.zScore(100), 0);
  stats.add(5);
  assert.equal(stats.zScore(100), 0);
});

test('running stats - a spread below the floor counts as the floor', () => {
  const stats = new RunningStats();
  for (let index = 0; index < 60; index += 1) stats.add(index === 0 ? 4.3 : 4.2);
  assert.ok(stats.zScore(4.6) > 10, 'a near-constant amount makes any other one look extreme');
  assert.ok(Math.abs(stats.zScore(4.6, 0.25) - (4.6 - stats.mean) / 0.25) < 1e-12);
  assert.ok(Math.abs(stats.zScore(9, 0.01) - stats.zScore(9)) < 1e-12, 'a floor below the spread changes nothing');
});
