import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transitReasons } from '@citypass/contracts';

test('fare rules reasons - the reasons fare_rules_validation builds from an amount prefix are all in the catalogue', () => {
  const built = ['CAP', 'MAX_FARE', 'UNMATCHED_EXIT_FARE', 'FARE'].flatMap((prefix) =>
    ['MISSING', 'NEGATIVE', 'TOO_LARGE'].map((suffix) => `${prefix}_${suffix}`),
  );
  assert.deepEqual(
    built.filter((reason) => !Object.hasOwn(transitReasons, reason)),
    [],
  );
});
