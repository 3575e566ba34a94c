import assert from 'node:assert/strict';
import test from 'node:test';
import { defaultRuleSet } from './default_rule_set.ts';
import { RiskEngine } from './engine.ts';
import type { GateTap, RiskEvent } from './event.ts';
import { feature } from './features.ts';
import { shopPayment } from './test_events.ts';

const startMs = Date.UTC(2026, 8, 7, 8);
const minuteMs = 60_000;

function payment(overrides: Partial<RiskEvent> = {}): RiskEvent {
  return shopPayment(startMs, {
    merchantId: 'kiosk',
    category: 'kiosk',
    amountMinor: 500n,
    place: { xKm: 25, yKm: 0 },
    ...overrides,
  });
}

function tap(atMs: number, xKm: number, stationId = `station-${xKm}`): GateTap {
  return { atMs, residentId: 'resident-1', concession: 'adult', place: { xKm, yKm: 0 }, stationId };
}

test('engine taps - a payment far from a tap learned minutes before is stepped up for impossible travel', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.recordTap(tap(startMs, 0));
  const decision = engine.score(payment({ atMs: startMs + 3 * minuteMs }));
  assert.equal(decision.outcome, 'step_up');
  const [first] = decision.reasons;
  assert.equal(first?.ruleId, 'impossible_travel');
  assert.equal(first.features.place_speed_kmh, 500);
});

test('engine taps - without the tap the same payment is approved', () => {
  const engine = new RiskEngine(defaultRuleSet);
  assert.equal(engine.score(payment({ atMs: startMs + 3 * minuteMs })).outcome, 'approve');
});

test('engine taps - a learned tap counts no payment and is no place to a payment hours later', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.recordTap(tap(startMs, 0));
  const values = engine.featuresOf(payment({ atMs: startMs + 5 * 60 * minuteMs }));
  assert.equal(values[feature.resident_count_24h], 0);
  assert.equal(values[feature.place_speed_kmh], 5);
  assert.equal(engine.score(payment({ atMs: startMs + 5 * 60 * minuteMs })).outcome, 'approve');
});

test('engine taps - the next gate fare is judged against a learned tap', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.recordTap(tap(startMs, 0));
  const fare = payment({
    atMs: startMs + 2 * minuteMs,
    channel: 'gate',
    merchantId: 'metro',
    category: 'fare',
    amountMinor: 300n,
    maxFareMinor: 600n,
    place: { xKm: 18, yKm: 0 },
    stationId: 'station-18',
  });
  const values = engine.featuresOf(fare);
  assert.equal(values[feature.tap_distance_km], 18);
  assert.equal(values[feature.tap_speed_kmh], 540);
  assert.ok(engine.score(fare).reasons.some((reason) => reason.ruleId === 'impossible_tap'));
});

test('engine taps - a repeated or older tap does not replace the newest one', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.recordTap(tap(startMs, 20));
  engine.recordTap(tap(startMs, 20));
  engine.recordTap(tap(startMs - 30 * minuteMs, 0));
  // Judged from the tap at 20 km, not from the older one at 0.
  const values = engine.featuresOf(payment({ atMs: startMs + 3 * minuteMs }));
  assert.equal(values[feature.place_speed_kmh], 100);
});

/** The fare of a journey begun at `xKm` at `atMs` (the wallet scores it at settlement, as of its mandate tap). */
function fareFrom(atMs: number, xKm: number): RiskEvent {
  return payment({
    atMs,
    channel: 'gate',
    merchantId: 'metro',
    category: 'fare',
    amountMinor: 300n,
    maxFareMinor: 600n,
    place: { xKm, yKm: 0 },
    stationId: `station-${xKm}`,
  });
}

test('engine taps - a fare scored after its journey is judged against the taps before it, not the later ones', () => {
  const engine = new RiskEngine(defaultRuleSet);
  // Known stations; then a ride from 0 to 6 km in 20 minutes, learned from transit's stream before settlement.
  engine.recordTap(tap(startMs - 2 * 86_400_000, 0));
  engine.recordTap(tap(startMs - 2 * 86_400_000 + 20 * minuteMs, 6));
  engine.recordTap(tap(startMs, 0));
  engine.recordTap(tap(startMs + 20 * minuteMs, 6));
  // The fare is as of its tap-in, a moment before the gate recorded it.
  const fare = fareFrom(startMs - 1_000, 0);
  const values = engine.featuresOf(fare);
  // From the ride two days before: nothing recent to reach it from.
  assert.equal(values[feature.tap_distance_km], 6);
  assert.equal(values[feature.tap_reach_speed_kmh], 0);
  const decision = engine.decide(fare);
  assert.equal(decision.outcome, 'approve');
  assert.equal(decision.reasons[0]?.ruleId, 'long_bound_fare');
  // Recorded, the older fare does not push the later taps out: the next tap-in at 6 km is a short walk from the last.
  engine.recordApproved(fare, decision);
  const next = engine.featuresOf(fareFrom(startMs + 25 * minuteMs, 6));
  assert.equal(next[feature.tap_distance_km], 0);
  assert.equal(next[feature.tap_recent_max_reach_speed_kmh], 18);
});

test("engine taps - a copy's fare, settled after both riders' taps were learned, declines for the tap before it", () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.recordTap(tap(startMs, 0));
  engine.recordTap(tap(startMs + 5 * minuteMs, 12));
  engine.recordTap(tap(startMs + 20 * minuteMs, 6));
  engine.recordTap(tap(startMs + 30 * minuteMs, 18));
  const decision = engine.decide(fareFrom(startMs + 5 * minuteMs - 1_000, 12));
  assert.equal(decision.outcome, 'decline');
  assert.ok(decision.reasons.some((reason) => reason.ruleId === 'impossible_tap'));
});
