import assert from 'node:assert/strict';
import test from 'node:test';
import { defaultRuleSet } from './default_rule_set.ts';
import { RiskEngine } from './engine.ts';
import type { RiskEvent } from './event.ts';
import { feature } from './features.ts';

const dayMs = 86_400_000;
const startMs = Date.UTC(2026, 8, 7, 9);

function line(atMs: number, clinicId: string, patientId: string, serviceCode: string): RiskEvent {
  return {
    atMs,
    channel: 'clinic',
    residentId: patientId,
    deviceId: `${patientId}-phone`,
    credentialId: `${patientId}-credential`,
    deviceBoundAtMs: startMs - 400 * dayMs,
    merchantId: clinicId,
    category: 'clinic',
    amountMinor: 6_000n,
    place: { xKm: 1, yKm: 1 },
    stationId: null,
    concession: 'adult',
    maxFareMinor: null,
    credentialRevoked: false,
    presentationReplayed: false,
    deviceKeyMatches: true,
    merchantCapabilityEnabled: true,
    clinicLine: { serviceCode, quantity: 1, catalogueMaxQuantity: 2 },
  };
}

/** Four clinics each billing one X-ray a day for `days` days. */
function withPeers(days: number): RiskEngine {
  const engine = new RiskEngine(defaultRuleSet);
  for (let day = 0; day < days; day += 1)
    for (let clinic = 0; clinic < 4; clinic += 1)
      engine.score(
        line(startMs + day * dayMs + clinic * 60_000, `clinic-${clinic}`, `patient-${day}-${clinic}`, 'XRAY'),
      );
  return engine;
}

test('clinic - earlier days this month the clinic billed the same patient', () => {
  const engine = withPeers(1);
  const on = (day: number) => line(startMs + day * dayMs + 3_600_000, 'clinic-0', 'patient-x', 'GP_VISIT');
  assert.equal(engine.featuresOf(on(1))[feature.clinic_patient_days_30d], 0);
  engine.score(on(1));
  engine.score(on(1));
  assert.equal(engine.featuresOf(on(1))[feature.clinic_patient_days_30d], 0, 'the same day is not an earlier day');
  engine.score(on(5));
  const third = engine.featuresOf(on(9));
  assert.equal(third[feature.clinic_patient_days_30d], 2);
  assert.ok(engine.score(on(9)).reasons.some((reason) => reason.ruleId === 'clinic_patient_repeat'));
  assert.equal(engine.featuresOf(on(36))[feature.clinic_patient_days_30d], 1, 'days 1 and 5 are past thirty days');
});

test('clinic - a burst of one code far above what the peers bill scores; one line more than usual does not', () => {
  const engine = withPeers(10);
  const dayMsAt = startMs + 10 * dayMs + 3_600_000;
  const first = engine.featuresOf(line(dayMsAt, 'clinic-0', 'p-1', 'XRAY'));
  assert.ok((first[feature.clinic_code_lines_24h] ?? 0) < 2.5, "yesterday's line and this one");
  engine.score(line(dayMsAt, 'clinic-0', 'p-1', 'XRAY'));
  engine.score(line(dayMsAt + 60_000, 'clinic-0', 'p-2', 'XRAY'));
  const burst = line(dayMsAt + 120_000, 'clinic-0', 'p-3', 'XRAY');
  const values = engine.featuresOf(burst);
  assert.ok((values[feature.clinic_code_lines_24h] ?? 0) >= 2.5);
  assert.ok((values[feature.clinic_code_peer_ratio_24h] ?? 0) > 4, String(values[feature.clinic_code_peer_ratio_24h]));
  const peerBurst = withPeers(10);
  for (let index = 0; index < 12; index += 1)
    peerBurst.score(line(dayMsAt + index * 60_000, 'clinic-9', `q-${index}`, 'XRAY'));
  const surged = peerBurst.score(line(dayMsAt + 20 * 60_000, 'clinic-9', 'q-last', 'XRAY'));
  const [top] = surged.reasons;
  assert.ok(top !== undefined);
  assert.equal(top.ruleId, 'clinic_code_surge');
  assert.ok((top.features.clinic_code_peer_ratio_24h ?? 0) > 10);
  const alone = new RiskEngine(defaultRuleSet);
  for (let index = 0; index < 5; index += 1) alone.score(line(startMs + index, 'clinic-0', `r-${index}`, 'XRAY'));
  assert.equal(
    alone.featuresOf(line(startMs + 10, 'clinic-0', 'r-9', 'XRAY'))[feature.clinic_code_peer_ratio_24h],
    1,
    'no peers, no comparison',
  );
});
