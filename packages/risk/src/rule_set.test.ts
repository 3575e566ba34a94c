import assert from 'node:assert/strict';
import test from 'node:test';
import { defaultRuleSet } from './default_rule_set.ts';
import { riskReasons } from './errors.ts';
import { RuleSetInvalid, validateRuleSet } from './rule_set.ts';

function problemsOf(input: unknown): readonly string[] {
  try {
    validateRuleSet(input);
  } catch (error) {
    assert.ok(error instanceof RuleSetInvalid);
    return error.problems;
  }
  return [];
}

test('rule set - the default rule set is valid and survives JSON', () => {
  assert.deepEqual(validateRuleSet(JSON.parse(JSON.stringify(defaultRuleSet))), defaultRuleSet);
});

test('rule set - every problem is listed at once', () => {
  const rules = defaultRuleSet.rules;
  const problems = problemsOf({
    version: '',
    thresholds: { default: { review: 75, decline: 75 }, fare: { review: -1, decline: 100 } },
    rules: [
      rules[0],
      rules[0],
      {
        id: 'odd',
        version: 0,
        kind: 'score',
        points: 0,
        when: [{ feature: 'moon_phase', op: '~', value: 'x' }],
        explanation: 'at {sun_angle}',
      },
      { id: 'everyone', version: 1, kind: 'block', reason: 'no', when: [], explanation: 'no' },
    ],
  });
  assert.deepEqual(problems, [
    'version must be a non-empty string',
    'thresholds.default: review (75) must be below decline (75)',
    'thresholds.fare.review must be a whole number from 0 to 99',
    'thresholds.fare.decline must be a whole number from 0 to 99',
    'rules[1]: duplicate rule id "credential_revoked"',
    'rules[2] (odd): version must be a whole number >= 1',
    'rules[2] (odd): points must be a whole number from 1 to 99',
    'rules[2] (odd): when[0]: unknown feature "moon_phase"',
    'rules[2] (odd): when[0]: op must be one of < <= > >= == !=',
    'rules[2] (odd): when[0]: value must be a finite number',
    'rules[2] (odd): explanation names unknown feature "sun_angle"',
    'rules[3] (everyone): reason must be an UPPER_SNAKE_CASE string',
    'rules[3] (everyone): a block rule with no condition matches everything',
  ]);
});

test('rule set - the edges of the threshold range', () => {
  const withThresholds = (review: number, decline: number) => ({
    ...defaultRuleSet,
    thresholds: { default: { review, decline } },
  });
  assert.deepEqual(problemsOf(withThresholds(0, 99)), []);
  assert.deepEqual(problemsOf(withThresholds(98, 99)), []);
  assert.equal(problemsOf(withThresholds(0, 100)).length, 1);
  assert.equal(problemsOf(withThresholds(1.5, 50)).length, 1);
  assert.deepEqual(problemsOf({ ...defaultRuleSet, thresholds: {} }), ['thresholds.default is missing']);
  assert.deepEqual(problemsOf(null), ['rule set must be an object']);
});

test("rule set - a condition value outside its feature's range is refused, at the edge it is accepted", () => {
  const withCondition = (feature: string, value: number) => ({
    ...defaultRuleSet,
    rules: [
      {
        id: 'edge',
        version: 1,
        kind: 'score',
        points: 10,
        when: [{ feature, op: '>=', value }],
        explanation: 'edge',
      },
    ],
  });
  assert.deepEqual(problemsOf(withCondition('tap_station_new', 1)), []);
  assert.deepEqual(problemsOf(withCondition('tap_station_new', 0)), []);
  assert.deepEqual(problemsOf(withCondition('tap_station_new', 1.5)), [
    "rules[0] (edge): when[0]: value 1.5 is outside tap_station_new's range 0 to 1",
  ]);
  assert.deepEqual(problemsOf(withCondition('device_age_days', -1)), [
    "rules[0] (edge): when[0]: value -1 is outside device_age_days's range 0 to Infinity",
  ]);
  assert.deepEqual(problemsOf(withCondition('amount_zscore', -3)), []);
  assert.deepEqual(problemsOf(withCondition('merchant_age_days', 7)), []);
  assert.deepEqual(problemsOf(withCondition('merchant_age_days', 8)), [
    "rules[0] (edge): when[0]: value 8 is outside merchant_age_days's range 0 to 7",
  ]);
  assert.deepEqual(problemsOf(withCondition('merchant_new_resident_share_today', 1.01)).length, 1);
});

test('rule set - a refusal is a DomainError with the stable reason and every problem', () => {
  assert.throws(
    () => validateRuleSet({ ...defaultRuleSet, version: '' }),
    (error: unknown) =>
      error instanceof RuleSetInvalid &&
      error.kind === 'invalid_argument' &&
      error.reason === riskReasons.RISK_RULE_SET_INVALID &&
      error.problems.length === 1 &&
      error.message === 'rule set is invalid: version must be a non-empty string',
  );
});
