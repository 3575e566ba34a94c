import assert from 'node:assert/strict';
import test from 'node:test';
import { defaultRuleSet } from './default_rule_set.ts';
import { RiskEngine } from './engine.ts';
import type { RiskEvent } from './event.ts';
import { feature } from './features.ts';
import { maxStationsRemembered, speedKmh } from './tap_history.ts';

const dayMs = 86_400_000;
const minuteMs = 60_000;
const startMs = Date.UTC(2026, 8, 7, 7);

function tap(atMs: number, stationId: string, xKm: number, yKm: number): RiskEvent {
  return {
    atMs,
    channel: 'gate',
    residentId: 'resident-1',
    deviceId: 'device-1',
    credentialId: 'credential-1',
    deviceBoundAtMs: startMs - 400 * dayMs,
    merchantId: 'metro',
    category: 'fare',
    amountMinor: 200n,
    place: { xKm, yKm },
    stationId,
    concession: 'adult',
    maxFareMinor: 600n,
    credentialRevoked: false,
    presentationReplayed: false,
    deviceKeyMatches: true,
    merchantCapabilityEnabled: true,
    clinicLine: null,
  };
}

const home = (atMs: number) => tap(atMs, 'home', 0, 0);
const work = (atMs: number) => tap(atMs, 'work', 12, 0);

/** Ten days of commuting home -> work -> home at 24 km/h. */
function commuter(): RiskEngine {
  const engine = new RiskEngine(defaultRuleSet);
  for (let day = 0; day < 10; day += 1) {
    const morningMs = startMs + day * dayMs;
    for (const event of [
      home(morningMs),
      work(morningMs + 30 * minuteMs),
      work(morningMs + 10 * 3_600_000),
      home(morningMs + 10 * 3_600_000 + 30 * minuteMs),
    ]) {
      assert.equal(engine.score(event).stage, 'allow');
    }
  }
  return engine;
}

test('taps - a commute at metro speed is allowed; a new station reached at metro speed too', () => {
  const engine = commuter();
  const morningMs = startMs + 10 * dayMs;
  engine.score(home(morningMs));
  const outing = tap(morningMs + 30 * minuteMs, 'museum', 0, 10);
  const values = engine.featuresOf(outing);
  assert.equal(values[feature.tap_station_new], 1);
  assert.equal(Math.round(values[feature.tap_reach_speed_kmh] ?? 0), 20);
  assert.equal(engine.score(outing).stage, 'allow');
});

test('taps - a copy tapping far away, then the real rider at a usual station, then the copy again', () => {
  const engine = commuter();
  const morningMs = startMs + 10 * dayMs;
  engine.score(home(morningMs));
  const copyIn = tap(morningMs + 5 * minuteMs, 'far-in', 0, 10);
  const copyInValues = engine.featuresOf(copyIn);
  assert.equal(Math.round(copyInValues[feature.tap_reach_speed_kmh] ?? 0), 120);
  assert.equal(copyInValues[feature.tap_station_new], 1);
  const declined = engine.score(copyIn);
  assert.equal(declined.outcome, 'decline');
  assert.equal(declined.reasons[0]?.ruleId, 'unreachable_tap_new_station');
  assert.match(declined.explanation, /a station you do not use, faster than any ride from its last taps \(120 km\/h\)/);
  const realOut = work(morningMs + 30 * minuteMs);
  const realValues = engine.featuresOf(realOut);
  assert.ok((realValues[feature.tap_reach_speed_kmh] ?? 0) > 35, 'the real rider is unreachable from the copy');
  assert.equal(realValues[feature.tap_station_new], 0);
  const real = engine.score(realOut);
  assert.equal(real.stage, 'score', 'not allowed outright after the credential was seen in two places');
  assert.equal(real.outcome, 'approve', 'but the usual station keeps the real rider going');
  const copyOut = tap(morningMs + 20 * minuteMs + 20 * minuteMs, 'far-out', 5, 15);
  const copyOutValues = engine.featuresOf(copyOut);
  assert.ok((copyOutValues[feature.tap_recent_max_reach_speed_kmh] ?? 0) > 35);
  const again = engine.score(copyOut);
  assert.equal(again.outcome, 'decline');
  assert.ok(again.reasons.some((reason) => reason.ruleId === 'new_station_after_unreachable_tap'));
});

test('taps - taps older than three hours are not compared; a station unused for thirty days is new again', () => {
  const engine = commuter();
  const laterMs = startMs + 10 * dayMs + 2 * 3_600_000;
  const values = engine.featuresOf(tap(laterMs, 'far', 0, 10));
  assert.equal(values[feature.tap_reach_speed_kmh], 0, 'the last tap was more than three hours before');
  // Still riding (from work only) keeps the resident known: home alone is forgotten.
  for (const dayIndex of [20, 30]) engine.score(work(startMs + dayIndex * dayMs));
  assert.equal(engine.featuresOf(home(startMs + 39 * dayMs))[feature.tap_station_new], 0);
  assert.equal(engine.featuresOf(home(startMs + 41 * dayMs))[feature.tap_station_new], 1);
});

test('taps - a resident back after thirty days without a tap or payment is read as new, its last tap forgotten', () => {
  const engine = commuter();
  const lastTapMs = startMs + 9 * dayMs + 10 * 3_600_000 + 30 * minuteMs;
  const backHome = (atMs: number) => tap(atMs, 'home', 0, 5);
  const within = engine.featuresOf(backHome(lastTapMs + 30 * dayMs));
  assert.equal(within[feature.tap_distance_km], 5);
  assert.equal(within[feature.tap_station_new], 0);
  const after = engine.featuresOf(backHome(lastTapMs + 30 * dayMs + 1));
  assert.equal(after[feature.tap_distance_km], 0);
  assert.equal(after[feature.tap_station_new], 0, 'a resident never seen has no stations to compare with');
  assert.equal(after[feature.minutes_since_last_event], 43_200);
});

test('taps - a credential remembers its most recent stations only', () => {
  const engine = new RiskEngine(defaultRuleSet);
  for (let index = 0; index <= maxStationsRemembered; index += 1)
    engine.score(tap(startMs + index * 3_600_000 * 4, `station-${index}`, index, 0));
  const atMs = startMs + (maxStationsRemembered + 1) * 3_600_000 * 4;
  assert.equal(engine.featuresOf(tap(atMs, 'station-0', 0, 0))[feature.tap_station_new], 1, 'forgotten first');
  assert.equal(engine.featuresOf(tap(atMs, 'station-1', 1, 0))[feature.tap_station_new], 0);
  assert.equal(speedKmh(1, 1_000), 60, 'under a minute counts as a minute');
});
