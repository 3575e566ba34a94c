// Forgetting (horizon.ts): what an event reads has a thirty-day horizon, and what no event can read is evicted. An
// engine rebuilt from the last thirty days reads what a long-running one reads, and memory falls once residents go
// idle.
import assert from 'node:assert/strict';
import test from 'node:test';
import { generateCity } from './city/index.ts';
import { defaultRuleSet } from './default_rule_set.ts';
import { RiskEngine, type RecordedEvent } from './engine.ts';
import type { RiskEvent } from './event.ts';
import { feature, featureNames } from './features.ts';
import { factHorizonMs, lateEventGraceMs } from './horizon.ts';
import { shopPayment } from './test_events.ts';

const dayMs = 86_400_000;
const startMs = Date.UTC(2026, 8, 7, 9);

/** Decides and records as the wallet does; the outcome recorded, for a replay. */
function decideAndRecord(engine: RiskEngine, event: RiskEvent): RecordedEvent {
  const decision = engine.decide(event);
  const approved = decision.outcome === 'approve' || decision.outcome === 'review';
  if (approved) engine.recordApproved(event, decision);
  else engine.recordAttempt(event, decision);
  return { event, approved };
}

/**
 * What a rebuild cannot reproduce whatever is evicted, because it is not a fact with a horizon: the 30 d half-life
 * sums (a payment 60 days ago still weighs a quarter), a category's mean and spread behind amount_zscore (of every
 * payment ever recorded; a handful of categories, nothing to evict) and the clinic features (their own state).
 */
const notWindowed = new Set<string>([
  'resident_count_30d',
  'resident_amount_30d',
  'amount_zscore',
  'clinic_code_lines_24h',
  'clinic_code_peer_ratio_24h',
  'clinic_code_peer_ratio',
  'clinic_patient_days_30d',
]);
/** The 1 h and 24 h sums, where payments before the window weigh at most 2^-30: the same to a millionth. */
const decayingSums = new Set<string>(featureNames.filter((name) => /_(1h|24h)$/.test(name)));

test('eviction - an engine rebuilt from the last thirty days reads every later event as the long-running one', () => {
  const city = generateCity({ seed: 11, residents: 400, days: 75 });
  const rebuildAtMs = city.startMs + 60 * dayMs;
  const longRunning = new RiskEngine(defaultRuleSet);
  const window: RecordedEvent[] = [];
  let index = 0;
  for (; index < city.events.length; index += 1) {
    const event = city.events[index] as RiskEvent;
    if (event.atMs >= rebuildAtMs) break;
    const recorded = decideAndRecord(longRunning, event);
    if (event.atMs >= rebuildAtMs - factHorizonMs) window.push(recorded);
  }
  const rebuilt = new RiskEngine(defaultRuleSet);
  rebuilt.replayRecorded(window);
  let compared = 0;
  for (; index < city.events.length; index += 1) {
    const event = city.events[index] as RiskEvent;
    const expected = longRunning.featuresOf(event);
    const actual = rebuilt.featuresOf(event);
    for (const [position, name] of featureNames.entries()) {
      if (notWindowed.has(name)) continue;
      const [got, want] = [actual[position] ?? 0, expected[position] ?? 0];
      const message = `${name} of event ${String(index)}`;
      if (decayingSums.has(name)) assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), message);
      else assert.equal(got, want, message);
    }
    // Both record what the long-running engine decided, as a shared outcome is.
    rebuilt.replayRecorded([decideAndRecord(longRunning, event)]);
    compared += 1;
  }
  assert.ok(compared > 10_000);
  assert.ok(longRunning.stateSizes.residents <= 400);
});

test('eviction - what is idle past the horizon is freed, and a resident back later reads as new', () => {
  const engine = new RiskEngine(defaultRuleSet);
  const idle = 300;
  for (let resident = 0; resident < idle; resident += 1) {
    const payment = shopPayment(startMs + resident * 60_000, {
      residentId: `idle-${String(resident)}`,
      deviceId: `idle-device-${String(resident)}`,
      merchantId: `idle-shop-${String(resident % 50)}`,
      category: 'cafe',
    });
    decideAndRecord(engine, payment);
  }
  assert.deepEqual(engine.stateSizes, { residents: 300, devices: 300, merchants: 50, residentMerchants: 300 });
  // One resident keeps paying; the sweep goes round while it does.
  const backMs = startMs + factHorizonMs + lateEventGraceMs + dayMs;
  for (let payment = 0; payment < 400; payment += 1)
    decideAndRecord(engine, shopPayment(backMs + payment * 600_000, { amountMinor: 500n }));
  assert.deepEqual(engine.stateSizes, { residents: 1, devices: 1, merchants: 1, residentMerchants: 1 });
  // Evicted or not, a resident back after the horizon is read as one never seen.
  const back = shopPayment(backMs + 400 * 600_000, {
    residentId: 'idle-0',
    deviceId: 'idle-device-0',
    merchantId: 'idle-shop-0',
  });
  const values = engine.featuresOf(back);
  const fresh = new RiskEngine(defaultRuleSet);
  for (let payment = 0; payment < 400; payment += 1)
    decideAndRecord(fresh, shopPayment(backMs + payment * 600_000, { amountMinor: 500n }));
  assert.deepEqual([...values], [...fresh.featuresOf(back)]);
  assert.equal(values[feature.merchant_new_for_resident], 1);
  assert.equal(values[feature.minutes_since_last_event], 43_200);
});

test('eviction - within the horizon a resident, its phones and its merchants are remembered; past it they are not', () => {
  const engine = new RiskEngine(defaultRuleSet);
  decideAndRecord(engine, shopPayment(startMs, { deviceId: 'old-phone' }));
  const newPhone = (atMs: number) => shopPayment(atMs, { deviceId: 'new-phone', deviceBoundAtMs: atMs - dayMs });
  const within = engine.featuresOf(newPhone(startMs + factHorizonMs));
  assert.equal(within[feature.device_switched], 1, 'paid from another phone 30 days ago');
  assert.equal(within[feature.merchant_new_for_resident], 0);
  assert.equal(within[feature.resident_count_30d], 0.5);
  const past = engine.featuresOf(newPhone(startMs + factHorizonMs + 1));
  assert.equal(past[feature.device_switched], 0, 'a resident back after thirty days on a new phone starts afresh');
  assert.equal(past[feature.merchant_new_for_resident], 1);
  assert.equal(past[feature.resident_count_30d], 0);
  assert.equal(past[feature.merchant_age_days], 0, 'the merchant took nothing for thirty days: new again');
  // Paying elsewhere keeps the resident, but the phone not used for thirty days is not counted.
  decideAndRecord(engine, shopPayment(startMs + 20 * dayMs, { deviceId: 'new-phone', merchantId: 'shop-2' }));
  const later = engine.featuresOf(shopPayment(startMs + 35 * dayMs, { deviceId: 'third-phone' }));
  assert.equal(later[feature.device_switched], 1, 'new-phone, 15 days ago');
  assert.equal(later[feature.merchant_new_for_resident], 1, 'shop-1, 35 days ago');
  assert.equal(later[feature.residents_per_device], 1);
  const onOldPhone = engine.featuresOf(shopPayment(startMs + 45 * dayMs, { deviceId: 'new-phone' }));
  assert.equal(onOldPhone[feature.device_switched], 0, 'old-phone not used for 45 days');
});
