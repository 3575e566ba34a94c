import assert from 'node:assert/strict';
import test from 'node:test';
import { generateCity } from './city/index.ts';
import { defaultRuleSet } from './default_rule_set.ts';
import { RiskEngine } from './engine.ts';

test('replay - state rebuilt by replaying events decides the rest exactly as the live engine did', () => {
  const city = generateCity({ seed: 7, residents: 300, days: 30 });
  const split = Math.floor(city.events.length * 0.7);
  const live = new RiskEngine(defaultRuleSet);
  const liveDecisions = city.events.map((event) => live.score(event));
  const restarted = new RiskEngine(defaultRuleSet);
  restarted.replay(city.events.slice(0, split));
  const replayedDecisions = city.events.slice(split).map((event) => restarted.score(event));
  assert.deepEqual(replayedDecisions, liveDecisions.slice(split));
  assert.ok(
    replayedDecisions.some((decision) => decision.outcome !== 'approve'),
    'the tail holds decisions worth comparing',
  );
  const probe = city.events[split];
  assert.ok(probe !== undefined);
  assert.deepEqual(restarted.featuresOf(probe), live.featuresOf(probe));
});

test('replay - a fresh engine without the history decides differently (the comparison can fail)', () => {
  const city = generateCity({ seed: 7, residents: 300, days: 30 });
  const split = Math.floor(city.events.length * 0.7);
  const live = new RiskEngine(defaultRuleSet);
  const liveDecisions = city.events.map((event) => live.score(event));
  const forgetful = new RiskEngine(defaultRuleSet);
  assert.notDeepEqual(
    city.events.slice(split).map((event) => forgetful.score(event)),
    liveDecisions.slice(split),
  );
});
