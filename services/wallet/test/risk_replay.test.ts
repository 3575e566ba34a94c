// The risk engine's replay at start reads the stored decisions a page at a time (store/risk_decisions.ts
// replayPageRows): every decision of the window, oldest first, at most the newest `limit`, and never more than one
// page in memory.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPool, type Pool } from '@citypass/platform/pg';
import { testPostgres, type TestDatabase } from '@citypass/platform/testing';
import { verifiedPaymentFacts, type RecordedEvent, type RiskEvent } from '@citypass/risk';
import type { RiskDecisionRecord } from '../src/app/store.ts';
import { riskEventJsonText } from '../src/domain/risk_event_json.ts';
import { replayPageRows, riskDecisionStore } from '../src/store/risk_decisions.ts';
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

const startMs = Date.parse('2026-11-01T00:00:00Z');
const refused = (index: number): RiskDecisionRecord => {
  const event: RiskEvent = {
    atMs: startMs + index * 1_000,
    channel: 'shop',
    residentId: randomUUID(),
    deviceId: `device-${String(index)}`,
    credentialId: `credential-${String(index)}`,
    deviceBoundAtMs: startMs - 86_400_000,
    merchantId: 'shop',
    category: 'retail',
    amountMinor: BigInt(index + 1),
    place: null,
    concession: 'adult',
    ...verifiedPaymentFacts,
  };
  return {
    decisionId: randomUUID(),
    holdId: undefined,
    service: 'shop',
    decision: {
      outcome: 'decline',
      stage: 'score',
      score: 90,
      reasons: [],
      ruleSetVersion: 'test',
      reason: 'RISK_SCORE_DECLINE',
      explanation: 'test',
    },
    refusalReason: 'RISK_DECLINED',
    currency: 'EUR',
    event,
    eventJson: riskEventJsonText(event),
  };
};

const stored = 2 * replayPageRows + 3;
const replay = async (since: Date, limit: number) => {
  const pages: (readonly RecordedEvent[])[] = [];
  const count = await riskDecisionStore(pool).replayOutcomesSince(since, limit, (outcomes) => pages.push(outcomes));
  const outcomes = pages.flat();
  assert.ok(
    outcomes.every((outcome) => !outcome.approved),
    'refused decisions replay as attempts',
  );
  return { count, pages, amounts: outcomes.map((outcome) => outcome.event.amountMinor) };
};

test('risk replay - every decision of the window, oldest first, in pages of at most replayPageRows', async () => {
  const store = riskDecisionStore(pool);
  // Stored newest first, so the order read back is the replay's, not the insert's.
  const records = Array.from({ length: stored }, (_, index) => refused(index)).reverse();
  for (let from = 0; from < records.length; from += 1_000) await store.addRefused(records.slice(from, from + 1_000));
  const { count, pages, amounts } = await replay(new Date(startMs), stored + 10);
  assert.equal(count, stored);
  assert.deepEqual(
    pages.map((page) => page.length),
    [replayPageRows, replayPageRows, 3],
  );
  assert.deepEqual(
    amounts,
    Array.from({ length: stored }, (_, index) => BigInt(index + 1)),
  );
});

test('risk replay - bounded: only the newest `limit` decisions, and none before the window', async () => {
  const newest = await replay(new Date(startMs), stored - 5);
  assert.equal(newest.count, stored - 5);
  assert.equal(newest.amounts[0], 6n, 'the five oldest are left out');
  assert.equal(newest.amounts.at(-1), BigInt(stored));
  const windowed = await replay(new Date(startMs + 10 * 1_000), stored);
  assert.equal(windowed.amounts[0], 11n, 'decisions before `since` are left out');
  assert.equal((await replay(new Date(startMs + stored * 1_000), stored)).count, 0);
});

test('risk replay - a replay that throws ends the read and gives its connection back', async () => {
  const failing = riskDecisionStore(pool).replayOutcomesSince(new Date(startMs), stored, () => {
    throw new Error('engine failed');
  });
  await assert.rejects(failing, /engine failed/);
  // Both connections of the pool are usable afterwards: nothing was left inside the replay's transaction.
  const [a, b] = await Promise.all([replay(new Date(startMs), 3), replay(new Date(startMs), 3)]);
  assert.equal(a.count + b.count, 6);
});
