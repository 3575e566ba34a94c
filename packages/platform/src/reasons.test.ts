import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommonErrorReason } from '@citypass/proto/common/v1/errors';
import { commonReasons, isReasonIn, reasonCatalogue } from './reasons.ts';

test('reasons - a catalogue holds every enum value without its prefix, and neither UNSPECIFIED nor UNRECOGNIZED', () => {
  const catalogue = reasonCatalogue(
    { SAMPLE_REASON_UNSPECIFIED: 0, SAMPLE_REASON_TOO_LATE: 1, SAMPLE_REASON_GONE: 2, UNRECOGNIZED: -1 } as const,
    'SAMPLE_REASON_',
  );
  assert.deepEqual(catalogue, { TOO_LATE: 'TOO_LATE', GONE: 'GONE' });
  assert.ok(Object.isFrozen(catalogue));
  const late: 'TOO_LATE' = catalogue.TOO_LATE;
  assert.equal(late, 'TOO_LATE');
});

test('reasons - a value without the prefix is a mistake in the call, not a reason', () => {
  assert.throws(() => reasonCatalogue({ OTHER_THING: 1 }, 'SAMPLE_REASON_'), /does not start with SAMPLE_REASON_/);
});

test('reasons - isReasonIn accepts the catalogue reasons only', () => {
  assert.equal(isReasonIn(commonReasons, 'TOKEN_MISSING'), true);
  assert.equal(isReasonIn(commonReasons, 'COMMON_ERROR_REASON_TOKEN_MISSING'), false);
  assert.equal(isReasonIn(commonReasons, 'UNSPECIFIED'), false);
  assert.equal(isReasonIn(commonReasons, 'toString'), false);
});

test('reasons - the common catalogue has one reason per common enum value', () => {
  const named = Object.keys(CommonErrorReason).filter(
    (name) => name.startsWith('COMMON_ERROR_REASON_') && !name.endsWith('_UNSPECIFIED'),
  );
  assert.deepEqual(
    Object.keys(commonReasons).sort(),
    named.map((name) => name.slice('COMMON_ERROR_REASON_'.length)).sort(),
  );
});
