// Migration 13 turns risk_decisions' reasons and event from jsonb into json: a decision stored before it reads back
// the same after it (GetRiskDecision, the replay), and the rows written after it too.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createPool, type Pool } from '@citypass/platform/pg';
import { testPostgres, type TestDatabase } from '@citypass/platform/testing';
import { verifiedPaymentFacts, type RecordedEvent, type RiskEvent } from '@citypass/risk';
import type { RiskDecisionRecord } from '../src/app/store.ts';
import { riskEventJsonText } from '../src/domain/risk_event_json.ts';
import { riskDecisionJson, riskDecisionStore } from '../src/store/risk_decisions.ts';
import { migrationsDir, prepareSchema } from '../src/store/schema.ts';

let database: TestDatabase;
let pool: Pool;
let before13: string;
before(async () => {
  database = await testPostgres();
  pool = createPool(database.url, { max: 2 });
  // The wallet's schema as it was before migration 13: its migrations up to 12.
  before13 = await mkdtemp(join(tmpdir(), 'wallet-migrations-'));
  for (const name of await readdir(migrationsDir))
    if (Number(name.split('-')[0]) < 13) await copyFile(join(migrationsDir, name), join(before13, name));
  await prepareSchema(pool, before13);
});
after(async () => {
  await pool.end();
  await database.drop();
  await rm(before13, { recursive: true, force: true });
});

const atMs = Date.parse('2026-11-01T08:30:00Z');
function approvalOf(holdId: string | undefined): RiskDecisionRecord {
  const event: RiskEvent = {
    atMs,
    channel: 'gate',
    residentId: randomUUID(),
    deviceId: 'device-thumbprint',
    credentialId: randomUUID(),
    deviceBoundAtMs: atMs - 86_400_000,
    merchantId: 'metro',
    category: 'fare',
    amountMinor: 250n,
    place: { xKm: 3.25, yKm: 7.9 },
    concession: 'student',
    ...verifiedPaymentFacts,
    stationId: 'central',
    maxFareMinor: 450n,
  };
  return {
    decisionId: randomUUID(),
    holdId,
    service: 'metro',
    decision: {
      outcome: holdId === undefined ? 'decline' : 'approve',
      stage: 'score',
      score: holdId === undefined ? 80 : 35,
      reasons: [
        {
          ruleId: 'burst',
          ruleVersion: 2,
          points: 20,
          features: { recent_events_10min: 5, resident_count_1h: 621.6 },
          explanation: '5 payments in the last ten minutes',
        },
      ],
      ruleSetVersion: 'city-4',
      reason: holdId === undefined ? 'RISK_SCORE_DECLINE' : null,
      explanation: 'Approved.',
    },
    refusalReason: holdId === undefined ? 'RISK_DECLINED' : '',
    currency: 'EUR',
    event,
    eventJson: riskEventJsonText(event),
  };
}

/** What an operator and the replay read of a decision (its event's JSON text aside: jsonb reordered its keys). */
const readable = ({ eventJson, ...record }: RiskDecisionRecord) => ({
  ...record,
  eventJson: JSON.parse(eventJson) as unknown,
});

test('risk decisions json - decisions stored as jsonb before migration 13 read back the same after it', async () => {
  const approved = approvalOf(randomUUID());
  const declined = approvalOf(undefined);
  // As the wallet wrote them before: the row's JSON object into jsonb columns.
  for (const record of [approved, declined])
    await pool.query('INSERT INTO risk_decisions SELECT * FROM jsonb_populate_record(NULL::risk_decisions, $1)', [
      riskDecisionJson(record),
    ]);
  await prepareSchema(pool);
  const columns = await pool.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_name = 'risk_decisions' AND column_name IN ('reasons', 'event') ORDER BY column_name`,
  );
  assert.deepEqual(
    columns.rows.map((row) => `${row.column_name} ${row.data_type}`),
    ['event json', 'reasons json'],
  );
  const store = riskDecisionStore(pool);
  for (const record of [approved, declined]) {
    const found = await store.find({ decisionId: record.decisionId });
    assert.ok(found);
    assert.deepEqual(readable(found), readable(record));
  }
  assert.deepEqual(
    await store.find({ holdId: approved.holdId ?? '' }).then((found) => found?.decisionId),
    approved.decisionId,
  );
  // The replay reads the events back with their amounts as bigint, the approval as a payment.
  const byResident = (a: RecordedEvent, b: RecordedEvent) => a.event.residentId.localeCompare(b.event.residentId);
  assert.deepEqual(
    (await store.outcomesSince(new Date(atMs), 10)).toSorted(byResident),
    [approved, declined]
      .map((record) => ({ event: record.event, approved: record.holdId !== undefined }))
      .toSorted(byResident),
  );
});

test('risk decisions json - a decision written after migration 13 reads back as written', async () => {
  const declined = approvalOf(undefined);
  const store = riskDecisionStore(pool);
  await store.addRefused([declined]);
  const found = await store.find({ decisionId: declined.decisionId });
  assert.ok(found);
  assert.deepEqual(found, declined, 'json keeps the text as written: the event JSON too');
});
