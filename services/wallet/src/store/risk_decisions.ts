// Risk decisions as rows of risk_decisions and as typed values, once. A refusal goes to the database as one JSON
// object keyed by column (addRefused); an approval rides with the hold it approved, as the ledger functions'
// columns (approvalColumns, store/ledger/record_risk_decisions.sql). The scored facts (`event`) are JSON with amounts
// as strings (bigint), read back for the engine's replay at start (a decision with a hold: a payment; without one: a
// refused attempt). Both JSON columns are json, not jsonb (migration 13): the database keeps the text as written.
import type { Pool } from '@citypass/platform/pg';
import { outcomes, type Decision, type RecordedEvent, type Stage } from '@citypass/risk';
import { oneOf, riskEventFromJson, type RiskEventJson } from '../domain/risk_event_json.ts';

const stages: readonly Stage[] = ['block', 'allow', 'step_up', 'score'];
import type { RiskDecisionRecord, RiskDecisionStore } from '../app/store.ts';

interface RiskDecisionRow {
  readonly decision_id: string;
  readonly hold_id: string | null;
  readonly service: string;
  readonly merchant: string;
  readonly resident_id: string;
  readonly outcome: string;
  readonly stage: string;
  readonly score: number | null;
  readonly reasons: Decision['reasons'];
  readonly rule_set_version: string;
  readonly refusal_reason: string;
  readonly rule_reason: string;
  readonly explanation: string;
  readonly currency: string;
  readonly amount_minor: string;
  readonly event: RiskEventJson;
  readonly decided_at: string | Date;
}

/**
 * The row as the JSON object addRefused inserts; the previous release sent its approvals to the ledger functions so
 * (ledger/previous_decisions.sql).
 */
export function riskDecisionJson(record: RiskDecisionRecord): string {
  const { decision, event } = record;
  const row: Omit<RiskDecisionRow, 'event'> = {
    decision_id: record.decisionId,
    hold_id: record.holdId ?? null,
    service: record.service,
    merchant: event.merchantId,
    resident_id: event.residentId,
    outcome: decision.outcome,
    stage: decision.stage,
    score: decision.score,
    reasons: decision.reasons,
    rule_set_version: decision.ruleSetVersion,
    refusal_reason: record.refusalReason,
    rule_reason: decision.reason ?? '',
    explanation: decision.explanation,
    currency: record.currency,
    amount_minor: event.amountMinor.toString(),
    decided_at: new Date(event.atMs).toISOString(),
  };
  // The event's JSON was made once, when the engine decided (it is shared with the other instances too): appended
  // as the object's last member rather than made again.
  return `${JSON.stringify(row).slice(0, -1)},"event":${record.eventJson}}`;
}

/**
 * An approval as the ledger functions take it with the hold it approved (store/ledger/record_risk_decisions.sql):
 * the decision's own columns, each its own argument (nulls for none: scoring off, or a repeat of a committed
 * payment); the hold, service, resident, currency and amount are the item's. One object literal, so the
 * functions' named-argument lists never vary.
 */
export function approvalColumns(record: RiskDecisionRecord | undefined) {
  if (record === undefined)
    return {
      p_decision_id: null,
      p_decision_merchant: null,
      p_decision_outcome: null,
      p_decision_stage: null,
      p_decision_score: null,
      p_decision_reasons: null,
      p_decision_rule_set_version: null,
      p_decision_rule_reason: null,
      p_decision_explanation: null,
      p_decision_event: null,
      p_decided_at: null,
    };
  const { decision, event } = record;
  return {
    p_decision_id: record.decisionId,
    p_decision_merchant: event.merchantId,
    p_decision_outcome: decision.outcome,
    p_decision_stage: decision.stage,
    p_decision_score: decision.score,
    p_decision_reasons: JSON.stringify(decision.reasons),
    p_decision_rule_set_version: decision.ruleSetVersion,
    p_decision_rule_reason: decision.reason ?? '',
    p_decision_explanation: decision.explanation,
    // Made once, when the engine decided (the outcome shared with the other instances carries it too).
    p_decision_event: record.eventJson,
    p_decided_at: new Date(event.atMs).toISOString(),
  };
}

/**
 * Rows of the replay held in memory at once: read through a cursor, each page is replayed and dropped before the
 * next is fetched. Read as one result, the whole window (up to `maxReplayed`, 500,000 rows) was in memory at once
 * as pg's rows and the events made from them: 56 MB of heap for 100,000 rows measured (~560 B a row), so ~280 MB
 * for a full window on top of the engine's state, against the wallet's 512 MiB pod limit. A page of 2,000 rows is
 * ~1 MB, at one round trip per 2,000 rows.
 */
export const replayPageRows = 2_000;

export function riskDecisionStore(db: Pick<Pool, 'query' | 'connect'>): RiskDecisionStore {
  return {
    async addRefused(records) {
      if (records.length === 0) return;
      await db.query(
        `INSERT INTO risk_decisions SELECT * FROM json_populate_recordset(NULL::risk_decisions, $1::json)
         ON CONFLICT (decision_id) DO NOTHING`,
        [`[${records.map(riskDecisionJson).join(',')}]`],
      );
    },
    async find(key) {
      const [column, id] = 'holdId' in key ? ['hold_id', key.holdId] : ['decision_id', key.decisionId];
      const result = await db.query<RiskDecisionRow>(`SELECT * FROM risk_decisions WHERE ${column} = $1::uuid`, [id]);
      const row = result.rows[0];
      return row === undefined ? undefined : recordFromRow(row);
    },
    async outcomesSince(since, limit) {
      return (await db.query<OutcomeRow>(outcomesQuery, [since, limit])).rows.map(outcomeFromRow);
    },
    async replayOutcomesSince(since, limit, replay, settle) {
      // One read-only transaction: the pages are one snapshot, the rows the single query would have returned.
      const client = await db.connect();
      let failure: Error | undefined;
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await client.query(`DECLARE risk_replay NO SCROLL CURSOR FOR ${outcomesQuery}`, [since, limit]);
        let replayed = 0;
        for (;;) {
          const page = await client.query<OutcomeRow>(`FETCH ${String(replayPageRows)} FROM risk_replay`);
          if (page.rows.length === 0) break;
          replay(page.rows.map(outcomeFromRow));
          replayed += page.rows.length;
        }
        // Still in the snapshot the pages were read from: which of these decisions the replay counted.
        await settle?.({
          async counted(decisionIds) {
            const stored = await client.query<{ decision_id: string }>(
              'SELECT decision_id FROM risk_decisions WHERE decision_id = ANY($1::uuid[]) AND decided_at >= $2',
              [decisionIds, since],
            );
            return new Set(stored.rows.map((row) => row.decision_id));
          },
          async newest(count) {
            // Of the replayed (the newest `limit` since `since`), the newest `count`: an index scan backwards.
            const stored = await client.query<{ decision_id: string }>(
              'SELECT decision_id FROM risk_decisions WHERE decided_at >= $1 ORDER BY decided_at DESC LIMIT $2',
              [since, Math.min(count, limit)],
            );
            return stored.rows.map((row) => row.decision_id).reverse();
          },
        });
        await client.query('COMMIT');
        return replayed;
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        // A connection that failed mid-transaction is destroyed rather than handed to the next caller.
        client.release(failure);
      }
    },
  };
}

/** The newest `$2` decisions since `$1`, oldest first, each approved when it made a hold. */
const outcomesQuery = `SELECT event, approved FROM (
    SELECT event, hold_id IS NOT NULL AS approved, decided_at, decision_id FROM risk_decisions
    WHERE decided_at >= $1 ORDER BY decided_at DESC, decision_id DESC LIMIT $2
  ) newest ORDER BY decided_at, decision_id`;

interface OutcomeRow {
  readonly event: RiskEventJson;
  readonly approved: boolean;
}

const outcomeFromRow = (row: OutcomeRow): RecordedEvent => ({
  event: riskEventFromJson(row.event),
  approved: row.approved,
});

function recordFromRow(row: RiskDecisionRow): RiskDecisionRecord {
  const decision: Decision = {
    outcome: oneOf(outcomes, row.outcome),
    stage: oneOf(stages, row.stage),
    score: row.score,
    reasons: row.reasons,
    ruleSetVersion: row.rule_set_version,
    reason: row.rule_reason === '' ? null : row.rule_reason,
    explanation: row.explanation,
  };
  return {
    decisionId: row.decision_id,
    holdId: row.hold_id ?? undefined,
    service: row.service,
    decision,
    refusalReason: row.refusal_reason,
    currency: row.currency.trim(),
    event: riskEventFromJson(row.event),
    eventJson: JSON.stringify(row.event),
  };
}
