import assert from 'node:assert/strict';
import test from 'node:test';
import { defaultRuleSet } from './default_rule_set.ts';
import { RiskEngine } from './engine.ts';
import type { GateTap, RiskEvent } from './event.ts';
import { feature } from './features.ts';

const startMs = Date.UTC(2026, 8, 7, 8);
const minuteMs = 60_000;

function payment(overrides: Partial<RiskEvent> = {}): RiskEvent {
  return {
    atMs: startMs,
    channel: 'shop',
    residentId: 'resident-1',
    deviceId: 'device-1',
    credentialId: 'credential-1',
    deviceBoundAtMs: startMs - 400 * 86_400_000,
    merchantId: 'kiosk',
    category: 'kiosk',
    amountMinor: 500n,
    place: { xKm: 25, yKm: 0 },
    stationId: null,
    concession: 'adult',
    maxFareMinor: null,
    credentialRevoked: false,
    presentationReplayed: false,
    deviceKeyMatches: true,
    merchantCapabilityEnabled: true,
    clinicLine: null,
    ...overrides,
  };
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
