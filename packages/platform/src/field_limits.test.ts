import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from './errors.ts';
import { checkFieldLengths, defaultMaxFieldLength } from './field_limits.ts';

const refusalOf = (message: unknown, limits = {}): string | undefined => {
  try {
    checkFieldLengths(message, limits);
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? `${error.kind}:${error.reason}:${error.message}` : 'not a DomainError';
  }
};

test('field limits - strings at the default limit pass and one character more is refused, naming the field', () => {
  assert.equal(refusalOf({ fundingReference: 'x'.repeat(defaultMaxFieldLength) }), undefined);
  assert.equal(
    refusalOf({ fundingReference: 'x'.repeat(defaultMaxFieldLength + 1) }),
    'invalid_argument:FIELD_TOO_LONG:funding_reference must be at most 1024 characters',
  );
});

test('field limits - nested messages and repeated fields are walked; bytes, dates and numbers are left alone', () => {
  const tap = { tapId: 't', presentation: 'p', tappedAt: new Date() };
  assert.equal(
    refusalOf({ gateId: 'g', taps: [tap, { ...tap, tapId: 'y'.repeat(2_000) }] }),
    'invalid_argument:FIELD_TOO_LONG:taps.tap_id must be at most 1024 characters',
  );
  assert.equal(
    refusalOf({ amount: { amountMinor: 5n, currency: 'E'.repeat(1_025) } }),
    'invalid_argument:FIELD_TOO_LONG:amount.currency must be at most 1024 characters',
  );
  assert.equal(
    refusalOf({ gateIds: ['a', 'b'.repeat(1_025)] }),
    'invalid_argument:FIELD_TOO_LONG:gate_ids must be at most 1024 characters',
  );
  assert.equal(refusalOf({ blob: new Uint8Array(5_000), count: 7, flag: true, empty: undefined }), undefined);
});

test('field limits - a declared limit replaces the default for that path only', () => {
  const limits = { presentation: 4_096, 'taps.presentation': 4_096 };
  assert.equal(refusalOf({ presentation: 'p'.repeat(4_096) }, limits), undefined);
  assert.equal(
    refusalOf({ presentation: 'p'.repeat(4_097) }, limits),
    'invalid_argument:FIELD_TOO_LONG:presentation must be at most 4096 characters',
  );
  assert.equal(refusalOf({ taps: [{ presentation: 'p'.repeat(4_096) }] }, limits), undefined);
  assert.equal(
    refusalOf({ reference: 'r'.repeat(4_096) }, limits),
    'invalid_argument:FIELD_TOO_LONG:reference must be at most 1024 characters',
  );
});

test('field limits - a proto map with more keys than the paths remembered is still checked past them', () => {
  const features = Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`f${index}`, 'v']));
  assert.equal(refusalOf({ reasons: [{ features }] }), undefined);
  assert.equal(
    refusalOf({ reasons: [{ features: { ...features, lateKey: 'x'.repeat(1_025) } }] }),
    'invalid_argument:FIELD_TOO_LONG:reasons.features.late_key must be at most 1024 characters',
  );
  assert.equal(
    refusalOf({ reasons: [{ features: { f1: 'x'.repeat(1_025) } }] }),
    'invalid_argument:FIELD_TOO_LONG:reasons.features.f1 must be at most 1024 characters',
  );
});
