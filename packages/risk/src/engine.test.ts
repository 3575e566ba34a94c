import assert from 'node:assert/strict';
import test from 'node:test';
import { defaultRuleSet } from './default_rule_set.ts';
import { DomainError } from '@citypass/platform/errors';
import { RiskEngine } from './engine.ts';
import { riskReasons, RuleSetInvalid } from './errors.ts';
import type { Decision } from './decision.ts';
import type { RiskEvent } from './event.ts';
import type { RuleSet } from './rule_set.ts';
import { feature } from './features.ts';
import { shopPayment } from './test_events.ts';
import { minAmountSamples } from './state.ts';

const dayMs = 86_400_000;
const startMs = Date.UTC(2026, 8, 7, 8);

function event(overrides: Partial<RiskEvent> = {}): RiskEvent {
  return shopPayment(startMs, { place: { xKm: 1, yKm: 1 }, ...overrides });
}

function firstReasonFeatures(decision: Decision): Readonly<Record<string, number | undefined>> {
  return decision.reasons[0]?.features ?? {};
}

function fare(atMs: number, xKm: number, overrides: Partial<RiskEvent> = {}): RiskEvent {
  return event({
    atMs,
    channel: 'gate',
    merchantId: 'metro',
    category: 'fare',
    amountMinor: 300n,
    maxFareMinor: 600n,
    place: { xKm, yKm: 0 },
    stationId: `station-${xKm}`,
    ...overrides,
  });
}

/** An engine that has seen `count` ordinary grocery payments of residents 100.. (for the amount statistics). */
function warmEngine(ruleSet: unknown = defaultRuleSet, count = 200): RiskEngine {
  const engine = new RiskEngine(ruleSet);
  for (let index = 0; index < count; index += 1) {
    engine.score(
      event({
        atMs: startMs - dayMs + index * 60_000,
        residentId: `resident-${100 + index}`,
        deviceId: `device-${100 + index}`,
        amountMinor: BigInt(1_500 + (index % 10) * 100),
      }),
    );
  }
  return engine;
}

test('engine - a block rule declines with no score and a stable reason', () => {
  const engine = new RiskEngine(defaultRuleSet);
  const decision = engine.score(event({ credentialRevoked: true }));
  assert.equal(decision.outcome, 'decline');
  assert.equal(decision.stage, 'block');
  assert.equal(decision.score, null);
  assert.equal(decision.reason, 'CREDENTIAL_REVOKED');
  assert.equal(decision.reasons[0]?.ruleId, 'credential_revoked');
  assert.equal(decision.ruleSetVersion, defaultRuleSet.version);
  assert.match(decision.explanation, /revoked/);
  assert.equal(engine.score(event({ atMs: startMs + 1, deviceKeyMatches: false })).reason, 'DEVICE_KEY_MISMATCH');
  assert.equal(engine.score(event({ atMs: startMs + 2, presentationReplayed: true })).reason, 'PRESENTATION_REPLAYED');
  assert.equal(
    engine.score(event({ atMs: startMs + 3, merchantCapabilityEnabled: false })).reason,
    'MERCHANT_CAPABILITY_DISABLED',
  );
});

test('engine - block lists decline until the entry is removed', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.block('devices', 'device-1');
  assert.equal(engine.score(event()).reason, 'DEVICE_BLOCKED');
  engine.unblock('devices', 'device-1');
  assert.equal(engine.score(event({ atMs: startMs + 1 })).outcome, 'approve');
  engine.block('merchants', 'shop-1');
  assert.equal(engine.score(event({ atMs: startMs + 2 })).reason, 'MERCHANT_BLOCKED');
});

test('engine - allow: a fare within the maximum on a long-bound phone is approved by the allow rule', () => {
  const engine = new RiskEngine(defaultRuleSet);
  const allowed = engine.score(fare(startMs, 1));
  assert.equal(allowed.stage, 'allow');
  assert.equal(allowed.outcome, 'approve');
  assert.equal(allowed.reasons[0]?.ruleId, 'long_bound_fare');
  assert.equal(firstReasonFeatures(allowed).device_age_days, 400);
  const overMaximum = engine.score(fare(startMs + 3_600_000, 1, { amountMinor: 700n }));
  assert.equal(overMaximum.stage, 'score');
  const newPhone = engine.score(fare(startMs + 7_200_000, 1, { deviceBoundAtMs: startMs }));
  assert.equal(newPhone.stage, 'score');
});

test('engine - step-up: a new phone with an unusual amount; never at a gate', () => {
  const engine = warmEngine();
  engine.score(event({ atMs: startMs - 60_000 }));
  const newPhone = { deviceId: 'device-new', deviceBoundAtMs: startMs - 3_600_000 };
  const stepUp = engine.score(event({ ...newPhone, amountMinor: 3_000n }));
  assert.equal(stepUp.outcome, 'step_up');
  assert.equal(stepUp.reason, 'NEW_DEVICE_UNUSUAL_AMOUNT');
  assert.ok((firstReasonFeatures(stepUp).amount_zscore ?? 0) > 1.5);
  const usual = engine.score(event({ ...newPhone, atMs: startMs + 1_000, amountMinor: 1_900n }));
  assert.notEqual(usual.outcome, 'step_up');
  const gate = new RiskEngine(defaultRuleSet);
  gate.score(fare(startMs, 0));
  const teleported = gate.score(fare(startMs + 120_000, 15));
  assert.notEqual(teleported.outcome, 'step_up');
  assert.equal(teleported.outcome, 'decline');
  assert.equal(teleported.reasons[0]?.ruleId, 'impossible_tap');
  assert.equal(firstReasonFeatures(teleported).tap_speed_kmh, 450);
});

test('engine - new device: the first phone of a resident is new but not switched; a new phone for a known resident scores', () => {
  const engine = new RiskEngine(defaultRuleSet);
  const enrolled = { residentId: 'resident-new', deviceId: 'device-first', deviceBoundAtMs: startMs - 60_000 };
  const first = engine.score(event(enrolled));
  assert.equal(first.score, 0, 'the first payment of a resident enrolled a minute ago');
  const again = engine.score(event({ ...enrolled, atMs: startMs + 60_000 }));
  assert.equal(again.score, 0, 'still the only phone');
  const switched = engine.score(
    event({ ...enrolled, atMs: startMs + 120_000, deviceId: 'device-second', deviceBoundAtMs: startMs + 90_000 }),
  );
  assert.deepEqual(
    switched.reasons.map((reason) => [reason.ruleId, reason.ruleVersion, reason.features]),
    [['new_device', 2, { device_age_days: 0, device_switched: 1 }]],
  );
  const firstPhoneAgain = engine.score(event({ ...enrolled, atMs: startMs + 900_000 }));
  assert.equal(firstPhoneAgain.score, 30, 'the resident has another phone now: the first one, bound today, scores');
});

test('engine - amount z-score: none until the category has its minimum of payments', () => {
  const engine = warmEngine(defaultRuleSet, minAmountSamples - 1);
  const early = engine.featuresOf(event({ residentId: 'resident-9', amountMinor: 20_000n }));
  assert.equal(early[feature.amount_zscore], 0);
  engine.score(event({ atMs: startMs - 1_000, residentId: 'resident-8', amountMinor: 1_700n }));
  const counted = engine.featuresOf(event({ residentId: 'resident-9', amountMinor: 20_000n }));
  assert.ok((counted[feature.amount_zscore] ?? 0) > 3);
});

test('engine - merchant rush and card testing: not on the first day of a merchant, a rush not below 20 residents', () => {
  const rushRules = (decision: Decision) =>
    decision.reasons.map((reason) => reason.ruleId).filter((id) => id === 'merchant_burst' || id === 'card_testing');
  const small = (merchantId: string, index: number, atMs: number) =>
    event({
      atMs,
      merchantId,
      residentId: `resident-${500 + index}`,
      deviceId: `device-${500 + index}`,
      amountMinor: 150n,
    });
  const opening = new RiskEngine(defaultRuleSet);
  const firstDay = Array.from({ length: 40 }, (_, index) => opening.score(small('new-shop', index, startMs + index)));
  assert.deepEqual(firstDay.flatMap(rushRules), [], 'on its first day every resident is new to a merchant');
  const lone = new RiskEngine(defaultRuleSet);
  lone.score(event({ atMs: startMs - dayMs, merchantId: 'kiosk' }));
  const storm = Array.from({ length: 40 }, (_, index) =>
    lone.score(
      event({ atMs: startMs + index * 1_000, merchantId: 'kiosk', residentId: 'resident-lone', amountMinor: 150n }),
    ),
  );
  assert.deepEqual(storm.flatMap(rushRules), [], 'one resident is no rush of new customers');
  const established = new RiskEngine(defaultRuleSet);
  established.score(event({ atMs: startMs - dayMs, merchantId: 'old-shop' }));
  const rush = Array.from({ length: 40 }, (_, index) => established.score(small('old-shop', index, startMs + index)));
  const firstRushAt = rush.findIndex((decision) => rushRules(decision).includes('merchant_burst'));
  assert.equal(firstRushAt, 31, 'more than 30 payments this hour and 20 residents today');
  assert.ok(rush.slice(9).every((decision) => rushRules(decision).includes('card_testing')));
  assert.ok(rush.slice(0, 9).every((decision) => !rushRules(decision).includes('card_testing')));
});

test('engine - step-up: impossible travel between two shops', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.score(event({ place: { xKm: 0, yKm: 0 } }));
  const decision = engine.score(event({ atMs: startMs + 180_000, merchantId: 'shop-2', place: { xKm: 12, yKm: 0 } }));
  assert.equal(decision.outcome, 'step_up');
  assert.equal(decision.reason, 'IMPOSSIBLE_TRAVEL');
  assert.match(decision.explanation, /240 km\/h/);
});

test('engine - score: points add up against the category thresholds, top reasons carry their features', () => {
  const engine = new RiskEngine(defaultRuleSet);
  for (let index = 0; index < 5; index += 1)
    engine.score(event({ atMs: startMs + index, residentId: `member-${index}`, deviceId: 'shared' }));
  const decision = engine.score(event({ atMs: startMs + 10, residentId: 'member-9', deviceId: 'shared' }));
  assert.equal(decision.stage, 'score');
  assert.equal(decision.score, 50);
  assert.equal(decision.outcome, 'approve');
  assert.deepEqual(decision.reasons[0], {
    ruleId: 'shared_device',
    ruleVersion: 1,
    points: 50,
    features: { residents_per_device: 6 },
    explanation: 'this phone is used by 6 residents',
  });
  const strict: RuleSet = {
    ...defaultRuleSet,
    version: 'strict',
    thresholds: { ...defaultRuleSet.thresholds, grocery: { review: 20, decline: 50 } },
  };
  const strictEngine = new RiskEngine(strict);
  for (let index = 0; index < 5; index += 1)
    strictEngine.score(event({ atMs: startMs + index, residentId: `member-${index}`, deviceId: 'shared' }));
  const declined = strictEngine.score(event({ atMs: startMs + 10, residentId: 'member-9', deviceId: 'shared' }));
  assert.equal(declined.outcome, 'decline');
  assert.equal(declined.reason, 'RISK_SCORE_DECLINE');
  assert.match(declined.explanation, /^Declined because this phone is used by 6 residents/);
});

test('engine - concession class other than the enrolled one scores', () => {
  const engine = new RiskEngine(defaultRuleSet);
  engine.score(fare(startMs, 1));
  const decision = engine.score(fare(startMs + 3_600_000, 1, { concession: 'student' }));
  assert.equal(decision.reasons[0]?.ruleId, 'concession_mismatch');
  assert.notEqual(decision.outcome, 'approve');
});

test('engine - clinic lines: same-day duplicate, quantity above the catalogue, a clinic far above its peers', () => {
  const engine = new RiskEngine(defaultRuleSet);
  const line = (atMs: number, merchantId: string, residentId: string, serviceCode: string, quantity = 1) =>
    event({
      atMs,
      channel: 'clinic',
      category: 'clinic',
      merchantId,
      residentId,
      deviceId: `${residentId}-phone`,
      amountMinor: 3_500n,
      clinicLine: { serviceCode, quantity, catalogueMaxQuantity: 1 },
    });
  const first = engine.score(line(startMs, 'clinic-1', 'patient-1', 'GP_VISIT'));
  assert.equal(first.outcome, 'approve');
  const duplicate = engine.score(line(startMs + 60_000, 'clinic-1', 'patient-1', 'GP_VISIT'));
  assert.equal(duplicate.reasons[0]?.ruleId, 'clinic_duplicate');
  assert.equal(engine.score(line(startMs + dayMs, 'clinic-1', 'patient-1', 'GP_VISIT')).reasons.length, 0);
  const tooMany = engine.score(line(startMs + dayMs + 1, 'clinic-1', 'patient-2', 'GP_VISIT', 3));
  assert.deepEqual(tooMany.reasons[0]?.features, { clinic_quantity_over_max: 2 });
  for (let index = 0; index < 160; index += 1) {
    const peerCode = index % 40 === 0 ? 'MRI' : 'GP_VISIT';
    engine.score(line(startMs + 2 * dayMs + index, `clinic-${index % 4}`, `patient-${index}`, peerCode));
    if (index < 40)
      engine.score(
        line(startMs + 2 * dayMs + index, 'clinic-9', `patient-${index}`, index % 2 === 0 ? 'MRI' : 'GP_VISIT'),
      );
  }
  const outlier = engine.score(line(startMs + 3 * dayMs, 'clinic-9', 'patient-x', 'MRI'));
  const byRule = new Map(outlier.reasons.map((reason) => [reason.ruleId, reason.features]));
  assert.deepEqual([...byRule.keys()], ['clinic_code_surge', 'clinic_peer_outlier']);
  assert.ok((byRule.get('clinic_peer_outlier')?.clinic_code_peer_ratio ?? 0) > 3);
  assert.ok((byRule.get('clinic_code_surge')?.clinic_code_peer_ratio_24h ?? 0) > 10);
});

/** Asserts `action` throws a DomainError of `kind` with `reason`. */
function refuses(action: () => unknown, kind: string, reason: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof DomainError);
    assert.equal(error.kind, kind);
    assert.equal(error.reason, reason);
    return true;
  });
}

/** The decisions a fresh copy of the same history gets, to show a refused change left the live engine as it was. */
function decisionsOf(engine: RiskEngine, count: number, fromMs: number): Decision[] {
  return Array.from({ length: count }, (_, index) =>
    engine.score(event({ atMs: fromMs + index * 60_000, residentId: `probe-${index % 3}`, amountMinor: 50_000n })),
  );
}

test('engine - a bad rule set is refused with every problem and a stable reason; live and shadow stay', () => {
  const engine = new RiskEngine(defaultRuleSet);
  const previous: RuleSet = { ...defaultRuleSet, version: 'previous-candidate' };
  engine.startShadow(previous);
  const bad = {
    ...defaultRuleSet,
    version: 'bad',
    thresholds: { default: { review: 80, decline: 70 } },
    rules: [
      ...defaultRuleSet.rules,
      {
        id: 'x',
        version: 1,
        kind: 'score',
        points: 120,
        when: [
          { feature: 'moon_phase', op: '>', value: 1 },
          { feature: 'concession_mismatch', op: '==', value: 2 },
        ],
        explanation: 'x',
      },
    ],
  };
  assert.throws(
    () => {
      engine.startShadow(bad);
    },
    (error: unknown) => {
      assert.ok(error instanceof RuleSetInvalid);
      assert.equal(error.kind, 'invalid_argument');
      assert.equal(error.reason, riskReasons.RISK_RULE_SET_INVALID);
      assert.deepEqual(error.problems, [
        'thresholds.default: review (80) must be below decline (70)',
        `rules[${defaultRuleSet.rules.length}] (x): points must be a whole number from 1 to 99`,
        `rules[${defaultRuleSet.rules.length}] (x): when[0]: unknown feature "moon_phase"`,
        `rules[${defaultRuleSet.rules.length}] (x): when[1]: value 2 is outside concession_mismatch's range 0 to 1`,
      ]);
      return true;
    },
  );
  refuses(() => new RiskEngine(bad), 'invalid_argument', riskReasons.RISK_RULE_SET_INVALID);
  assert.equal(engine.shadowReport()?.candidateVersion, 'previous-candidate');
  assert.equal(engine.ruleSet.version, defaultRuleSet.version);
});

test('engine - shadow counts what the candidate would have done differently; promotion makes it live', () => {
  const engine = new RiskEngine(defaultRuleSet);
  const candidate: RuleSet = {
    ...defaultRuleSet,
    version: 'candidate',
    thresholds: { ...defaultRuleSet.thresholds, grocery: { review: 10, decline: 20 } },
  };
  engine.replay([event({ atMs: startMs - dayMs, residentId: 'resident-2', deviceId: 'device-2-old' })]);
  engine.startShadow(candidate);
  engine.score(event());
  engine.score(event({ atMs: startMs + 1_000, residentId: 'resident-2', deviceBoundAtMs: startMs }));
  engine.score(event({ atMs: startMs + 2_000, credentialRevoked: true }));
  assert.deepEqual(engine.shadowReport(), {
    candidateVersion: 'candidate',
    decisions: 3,
    same: 2,
    wouldDecline: 1,
    wouldApprove: 0,
    wouldStepUp: 0,
    wouldReview: 0,
    candidateDeclines: 2,
    liveDeclines: 1,
    wouldDeclineByRule: { score: 1 },
  });
  refuses(() => engine.promoteShadow(), 'failed_precondition', riskReasons.RISK_SHADOW_DECLINES_TOO_MANY);
  assert.equal(engine.promoteShadow(0.5).candidateVersion, 'candidate');
  assert.equal(engine.ruleSet.version, 'candidate');
  assert.equal(engine.shadowReport(), undefined);
});

test('engine - promotion is refused with a stable reason when nothing runs, nothing was decided or all was declined', () => {
  const engine = new RiskEngine(defaultRuleSet);
  refuses(() => engine.promoteShadow(), 'failed_precondition', riskReasons.RISK_SHADOW_NOT_RUNNING);
  const declinesAll: RuleSet = {
    ...defaultRuleSet,
    version: 'no',
    rules: [
      ...defaultRuleSet.rules,
      {
        id: 'all',
        version: 1,
        kind: 'block',
        reason: 'EVERYTHING',
        when: [{ feature: 'amount_minor', op: '>=', value: 0 }],
        explanation: 'no',
      },
    ],
  };
  engine.startShadow(declinesAll);
  refuses(() => engine.promoteShadow(), 'failed_precondition', riskReasons.RISK_SHADOW_DECIDED_NOTHING);
  engine.score(event());
  engine.score(event({ atMs: startMs + 1 }));
  assert.throws(() => engine.promoteShadow(), /declined all 2 payments/);
  refuses(() => engine.promoteShadow(1), 'failed_precondition', riskReasons.RISK_SHADOW_DECLINES_TOO_MANY);
  assert.equal(engine.ruleSet.version, defaultRuleSet.version);
  assert.equal(engine.shadowReport()?.wouldDeclineByRule.all, 2, 'the refused candidate keeps running in shadow');
});

test('engine - a candidate declining more than the allowed share is refused, at the edge it is promoted', () => {
  const declinesLarge: RuleSet = {
    ...defaultRuleSet,
    version: 'large',
    rules: [
      ...defaultRuleSet.rules,
      {
        id: 'large',
        version: 1,
        kind: 'block',
        reason: 'LARGE_AMOUNT',
        when: [{ feature: 'amount_minor', op: '>=', value: 10_000 }],
        explanation: 'large',
      },
    ],
  };
  const run = () => {
    const engine = new RiskEngine(defaultRuleSet);
    engine.startShadow(declinesLarge);
    for (let index = 0; index < 10; index += 1)
      engine.score(event({ atMs: startMs + index, amountMinor: index === 0 ? 20_000n : 2_000n }));
    return engine;
  };
  const refused = run();
  refuses(() => refused.promoteShadow(0.05), 'failed_precondition', riskReasons.RISK_SHADOW_DECLINES_TOO_MANY);
  const live = decisionsOf(refused, 4, startMs + dayMs);
  assert.equal(refused.ruleSet.version, defaultRuleSet.version);
  assert.deepEqual(live, decisionsOf(run(), 4, startMs + dayMs), 'a refused promotion changed nothing live');
  assert.equal(run().promoteShadow(0.1).candidateVersion, 'large');
  assert.throws(() => run().promoteShadow(1.5), /share from 0 to 1/);
});

test('engine - a rule set made live elsewhere is used at once; its shadow run stops, the shadow decision is exposed', () => {
  const engine = new RiskEngine(defaultRuleSet);
  const candidate: RuleSet = {
    ...defaultRuleSet,
    version: 'strict',
    thresholds: { ...defaultRuleSet.thresholds, grocery: { review: 0, decline: 1 } },
    rules: [
      ...defaultRuleSet.rules,
      { id: 'any', version: 1, kind: 'score', when: [], points: 5, explanation: 'any payment' },
    ],
  };
  const shadowOutcome = (): string | undefined => engine.shadowDecision?.outcome;
  assert.equal(engine.score(event()).outcome, 'approve');
  assert.equal(shadowOutcome(), undefined);
  engine.startShadow(candidate);
  assert.equal(engine.score(event({ atMs: startMs + 1 })).outcome, 'approve');
  assert.equal(shadowOutcome(), 'decline');
  assert.throws(() => {
    engine.useRuleSet({ ...candidate, version: '' });
  }, RuleSetInvalid);
  assert.equal(engine.ruleSet.version, defaultRuleSet.version, 'a bad rule set changes nothing');
  engine.useRuleSet(candidate);
  assert.equal(engine.ruleSet.version, 'strict');
  assert.equal(engine.shadowReport(), undefined, 'the candidate made live no longer runs in shadow');
  assert.equal(engine.score(event({ atMs: startMs + 2 })).outcome, 'decline');
  assert.equal(shadowOutcome(), undefined);
  engine.startShadow(defaultRuleSet);
  engine.stopShadow();
  assert.equal(engine.shadowReport(), undefined);
});
