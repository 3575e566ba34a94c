// decide() changes nothing; the caller records the outcome it learned: recordApproved adds a payment, recordAttempt
// a refused one (counted where card testing shows, never as money or the resident's velocity), and replaying the
// stored outcomes rebuilds the state the live engine had.
import assert from 'node:assert/strict';
import test from 'node:test';
import { generateCity } from './city/index.ts';
import { defaultRuleSet } from './default_rule_set.ts';
import { RiskEngine } from './engine.ts';
import type { RiskEvent } from './event.ts';
import { feature } from './features.ts';
import { shopPayment } from './test_events.ts';

const startMs = Date.UTC(2026, 8, 7, 8);

function event(overrides: Partial<RiskEvent> = {}): RiskEvent {
  return shopPayment(startMs, { ...overrides });
}

test('record - decide changes nothing: deciding again gives the same decision on the same features', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.recordApproved(event(), engine.decide(event()));
  const probe = event({ atMs: startMs + 60_000 });
  const before = engine.featuresOf(probe);
  const first = engine.decide(probe);
  for (let index = 0; index < 5; index++) engine.decide(probe);
  assert.deepEqual(engine.featuresOf(probe), before);
  assert.deepEqual(engine.decide(probe), first);
  assert.equal(Math.round(before[feature.resident_count_1h] ?? 0), 1, 'what was recorded counts');
});

test('record - a refused attempt is no money and no velocity of the resident, but counts at the merchant', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.recordApproved(event({ amountMinor: 300n }), engine.decide(event({ amountMinor: 300n })));
  for (let index = 1; index <= 4; index++) {
    const refused = event({ atMs: startMs + index * 1_000, amountMinor: 50_000n, merchantId: 'shop-2' });
    engine.recordAttempt(refused, engine.decide(refused));
  }
  const values = engine.featuresOf(event({ atMs: startMs + 10_000, merchantId: 'shop-2' }));
  const about = (name: keyof typeof feature) => Math.round(values[feature[name]] ?? Number.NaN);
  assert.equal(about('resident_count_1h'), 1);
  assert.ok((values[feature.resident_amount_1h] ?? 0) <= 300, 'only the approved 300 was spent');
  assert.equal(values[feature.recent_events_10min], 1);
  assert.equal(about('device_count_1h'), 1);
  assert.equal(about('merchant_count_1h'), 4, 'card testing sees the attempts');
  assert.equal(values[feature.merchant_residents_today], 1);
  assert.equal(values[feature.merchant_new_for_resident], 1, 'no payment there happened: still new');
  assert.equal(values[feature.resident_merchant_count_24h], 0);
});

test('record - score is decide then recordApproved (the evaluations see what they saw before)', () => {
  const city = generateCity({ seed: 3, residents: 150, days: 10 });
  const scored = new RiskEngine(defaultRuleSet);
  const split = new RiskEngine(defaultRuleSet);
  for (const each of city.events) {
    const decision = split.decide(each);
    split.recordApproved(each, decision);
    assert.deepEqual(decision, scored.score(each));
  }
});

test('record - replaying stored outcomes (payments and refused attempts) rebuilds the live state exactly', () => {
  const city = generateCity({ seed: 7, residents: 300, days: 30 });
  const cut = Math.floor(city.events.length * 0.7);
  const live = new RiskEngine(defaultRuleSet);
  const stored: { event: RiskEvent; approved: boolean }[] = [];
  city.events.slice(0, cut).forEach((each, index) => {
    const decision = live.decide(each);
    // Every seventh approval is refused later (no funds); declines are refused attempts.
    const approved = decision.outcome === 'approve' && index % 7 !== 0;
    if (approved) live.recordApproved(each, decision);
    else live.recordAttempt(each, decision);
    stored.push({ event: each, approved });
  });
  assert.ok(stored.some((each) => !each.approved) && stored.some((each) => each.approved));
  const restarted = new RiskEngine(defaultRuleSet);
  restarted.replayRecorded(stored);
  const tail = city.events.slice(cut);
  assert.deepEqual(
    tail.map((each) => restarted.featuresOf(each)),
    tail.map((each) => live.featuresOf(each)),
  );
  const everything = new RiskEngine(defaultRuleSet);
  everything.replay(city.events.slice(0, cut));
  assert.notDeepEqual(
    tail.map((each) => everything.featuresOf(each)),
    tail.map((each) => live.featuresOf(each)),
    'recording refusals as payments would differ',
  );
});
