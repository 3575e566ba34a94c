// The shadow report's backtest (app/risk_shadow_report.ts) over decisions stored in real PostgreSQL: a decision the
// ledger refused (stored without a hold) is replayed as an attempt, as the live wallet recorded it, so a candidate's
// amount rule does not count it as money the resident spent; a decision with a hold still counts as a payment. Gate
// taps of the period are learned between the decisions in time order, so a travel rule is backtested too.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPool, type Pool } from '@citypass/platform/pg';
import { testPostgres, type TestDatabase } from '@citypass/platform/testing';
import {
  verifiedPaymentFacts,
  defaultRuleSet,
  type Decision,
  type GateTap,
  type RiskEvent,
  type RuleSet,
} from '@citypass/risk';
import { backtestOn, backtestLimit } from '../src/app/risk_shadow_report.ts';
import type { RiskDecisionRecord } from '../src/app/store.ts';
import { riskEventJsonText } from '../src/domain/risk_event_json.ts';
import { riskDecisionJson, riskDecisionStore } from '../src/store/risk_decisions.ts';
import { prepareSchema } from '../src/store/schema.ts';

let database: TestDatabase;
let pool: Pool;
before(async () => {
  database = await testPostgres();
  pool = createPool(database.url, { max: 2 });
  await prepareSchema(pool);
});
after(async () => {
  await pool.end();
  await database.drop();
});

const startMs = Date.parse('2026-11-01T08:00:00Z');
/** Declines (99 points) a payment of a resident who spent 100.00 or more in the last 24 hours. */
const spentMuch: RuleSet = {
  ...defaultRuleSet,
  version: 'spent-much-1',
  rules: [
    ...defaultRuleSet.rules,
    {
      id: 'spent_much',
      version: 1,
      kind: 'score',
      when: [{ feature: 'resident_amount_24h', op: '>=', value: 10_000 }],
      points: 99,
      explanation: '100.00 or more spent in a day',
    },
  ],
};
const approved: Decision = {
  outcome: 'approve',
  stage: 'score',
  score: 0,
  reasons: [],
  ruleSetVersion: defaultRuleSet.version,
  reason: null,
  explanation: 'approved',
};

let minute = 0;
/** A decision live approved for `residentId`, one minute after the last; stored with a hold unless the ledger refused. */
function decision(residentId: string, amountMinor: bigint, ledger: 'committed' | 'refused'): RiskDecisionRecord {
  minute += 1;
  const event: RiskEvent = {
    atMs: startMs + minute * 60_000,
    channel: 'shop',
    residentId,
    deviceId: `device-${residentId}`,
    credentialId: `credential-${residentId}`,
    deviceBoundAtMs: startMs - 90 * 86_400_000,
    merchantId: 'shop',
    category: 'shop',
    amountMinor,
    place: null,
    concession: 'adult',
    ...verifiedPaymentFacts,
  };
  return {
    decisionId: randomUUID(),
    holdId: ledger === 'committed' ? randomUUID() : undefined,
    service: 'shop',
    decision: approved,
    refusalReason: ledger === 'committed' ? '' : 'INSUFFICIENT_FUNDS',
    currency: 'EUR',
    event,
    eventJson: riskEventJsonText(event),
  };
}

test('risk backtest - ledger-refused attempts are not money spent; payments are', async () => {
  const poor = randomUUID();
  const rich = randomUUID();
  const records = [
    // Five payments of 60.00 the ledger refused (no funds), then one of 10.00 that went through: the resident spent
    // 10.00 today, and live decided each on that state.
    ...Array.from({ length: 5 }, () => decision(poor, 6_000n, 'refused')),
    decision(poor, 1_000n, 'committed'),
    // Three payments of 60.00 that went through: the third comes after 120.00 spent.
    ...Array.from({ length: 3 }, () => decision(rich, 6_000n, 'committed')),
  ];
  const store = riskDecisionStore(pool);
  await store.addRefused(records.filter((record) => record.holdId === undefined));
  for (const record of records.filter((each) => each.holdId !== undefined))
    await pool.query('INSERT INTO risk_decisions SELECT * FROM jsonb_populate_record(NULL::risk_decisions, $1)', [
      riskDecisionJson(record),
    ]);

  const outcomes = await store.outcomesSince(new Date(0), backtestLimit);
  assert.deepEqual(
    outcomes.map((outcome) => outcome.approved),
    records.map((record) => record.holdId !== undefined),
  );
  const report = await backtestOn(outcomes, defaultRuleSet, spentMuch, undefined);
  // Only the rich resident's third payment: the poor one's refused attempts spent nothing.
  assert.deepEqual(
    { decisions: report.decisions, wouldDecline: report.wouldDecline, byRule: { ...report.wouldDeclineByRule } },
    { decisions: 9, wouldDecline: 1, byRule: { score: 1 } },
  );
  assert.equal(report.liveDeclines, 0);
});

/** Declines (99 points) a payment too far from the resident's last place too soon, where live steps it up. */
const travelDeclines: RuleSet = {
  ...defaultRuleSet,
  version: 'travel-declines-1',
  rules: [
    ...defaultRuleSet.rules,
    {
      id: 'travel_declines',
      version: 1,
      kind: 'score',
      when: [{ feature: 'place_speed_kmh', op: '>', value: 150 }],
      points: 99,
      explanation: 'too far from the last tap too soon',
    },
  ],
};

test('risk backtest - gate taps of the period are learned in time order, so a travel candidate shows its difference', async () => {
  const traveller = randomUUID();
  const payment = decision(traveller, 500n, 'committed');
  const placed = { ...payment, event: { ...payment.event, place: { xKm: 25, yKm: 0 } } };
  const tapAt = (atMs: number, xKm: number): GateTap => ({
    atMs,
    residentId: traveller,
    concession: 'adult',
    place: { xKm, yKm: 0 },
    stationId: `station-${xKm}`,
  });
  const outcomes = [{ event: placed.event, approved: true }];
  // Three minutes before the payment, 25 km away; a tap after it is not learned before it.
  const taps = [tapAt(placed.event.atMs - 3 * 60_000, 0), tapAt(placed.event.atMs + 60_000, 25)];
  const withTaps = await backtestOn(outcomes, defaultRuleSet, travelDeclines, undefined, taps);
  assert.deepEqual(
    { decisions: withTaps.decisions, wouldDecline: withTaps.wouldDecline, same: withTaps.same },
    { decisions: 1, wouldDecline: 1, same: 0 },
    'live steps the payment up, the candidate declines it',
  );
  const withoutTaps = await backtestOn(outcomes, defaultRuleSet, travelDeclines, undefined);
  assert.deepEqual({ wouldDecline: withoutTaps.wouldDecline, same: withoutTaps.same }, { wouldDecline: 0, same: 1 });
});
