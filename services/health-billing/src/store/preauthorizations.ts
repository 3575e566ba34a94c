// Pre-authorizations (migrations/3-preauthorizations.sql). Codes and reasons arrive and leave sealed; every state
// change names the state it leaves, and a change that finds the row elsewhere is a programmer error (the caller
// locked and checked it first).
import assert from 'node:assert/strict';
import type { Queryable } from '@citypass/platform/pg';
import type { PreauthorizationRecord, PreauthorizationStore, StoredPreauthorizationState } from '../app/store.ts';

interface PreauthorizationRow {
  id: string;
  seq: string;
  patient_id: string;
  clinic: string;
  insurer: string;
  requested_on_bill: string;
  codes_sealed: Buffer;
  reason_sealed: Buffer | null;
  currency: string;
  requested_minor: string;
  state: StoredPreauthorizationState;
  approved_minor: string | null;
  expires_on: string | null;
  denial_reason_sealed: Buffer | null;
  consumed_by: string | null;
  requested_at: Date;
  decided_at: Date | null;
}

const columns = `id, seq, patient_id, clinic, insurer, requested_on_bill, codes_sealed, reason_sealed, currency,
  requested_minor, state, approved_minor, to_char(expires_on, 'YYYY-MM-DD') AS expires_on, denial_reason_sealed,
  consumed_by, requested_at, decided_at`;

export function postgresPreauthorizationStore(db: Queryable): PreauthorizationStore {
  const change = async (sql: string, values: unknown[], what: string): Promise<void> => {
    const result = await db.query(sql, values);
    assert.equal(result.rowCount, 1, `pre-authorization ${what}: the caller checked its state`);
  };
  return {
    async add(preauthorization) {
      await db.query(
        `INSERT INTO preauthorizations (id, patient_id, clinic, insurer, requested_on_bill, codes_sealed,
                                        reason_sealed, currency, requested_minor, state, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'requested', $10)`,
        [
          preauthorization.preauthorizationId,
          preauthorization.patientId,
          preauthorization.clinic,
          preauthorization.insurer,
          preauthorization.requestedOnBill,
          preauthorization.codesSealed,
          preauthorization.reasonSealed ?? null,
          preauthorization.currency,
          String(preauthorization.requestedMinor),
          new Date(preauthorization.requestedAtMs),
        ],
      );
    },
    async get(preauthorizationId, options = {}) {
      const result = await db.query<PreauthorizationRow>(
        `SELECT ${columns} FROM preauthorizations WHERE id = $1${options.forUpdate === true ? ' FOR UPDATE' : ''}`,
        [preauthorizationId],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : recordOf(row);
    },
    async openCount({ clinic, patientId }) {
      const result = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM preauthorizations
         WHERE patient_id = $1 AND clinic = $2 AND state IN ('requested', 'approved')`,
        [patientId, clinic],
      );
      return Number(result.rows[0]?.n ?? 0);
    },
    approve: (preauthorizationId, approvedMinor, expiresOn, atMs) =>
      change(
        `UPDATE preauthorizations SET state = 'approved', approved_minor = $2, expires_on = $3, decided_at = $4
         WHERE id = $1 AND state = 'requested'`,
        [preauthorizationId, String(approvedMinor), expiresOn, new Date(atMs)],
        'approve',
      ),
    deny: (preauthorizationId, reasonSealed, atMs) =>
      change(
        `UPDATE preauthorizations SET state = 'denied', denial_reason_sealed = $2, decided_at = $3
         WHERE id = $1 AND state = 'requested'`,
        [preauthorizationId, reasonSealed, new Date(atMs)],
        'deny',
      ),
    release: (preauthorizationId, atMs) =>
      change(
        `UPDATE preauthorizations SET state = 'released', released_at = $2 WHERE id = $1 AND state = 'approved'`,
        [preauthorizationId, new Date(atMs)],
        'release',
      ),
    async page(party, beforeSeq, limit) {
      const [column, name] = 'clinic' in party ? ['clinic', party.clinic] : ['insurer', party.insurer];
      const result = await db.query<PreauthorizationRow>(
        `SELECT ${columns} FROM preauthorizations
         WHERE ${column} = $1 AND ($2::bigint IS NULL OR seq < $2)
         ORDER BY seq DESC LIMIT $3`,
        [name, beforeSeq === undefined ? null : String(beforeSeq), limit],
      );
      return result.rows.map(recordOf);
    },
    async usable({ clinic, patientId, insurer }, today, limit) {
      const result = await db.query<PreauthorizationRow>(
        `SELECT ${columns} FROM preauthorizations
         WHERE patient_id = $1 AND clinic = $2 AND insurer = $3 AND state = 'approved' AND expires_on >= $4
         ORDER BY expires_on, id LIMIT $5
         FOR UPDATE`,
        [patientId, clinic, insurer, today, limit],
      );
      return result.rows.map(recordOf);
    },
    async consume(consumptions, atMs) {
      for (const { preauthorizationId, lineId } of consumptions)
        await change(
          `UPDATE preauthorizations SET state = 'consumed', consumed_by = $2, consumed_at = $3
           WHERE id = $1 AND state = 'approved'`,
          [preauthorizationId, lineId, new Date(atMs)],
          'consume',
        );
    },
    async consumedBy(billId) {
      const result = await db.query<PreauthorizationRow>(
        `SELECT ${columns} FROM preauthorizations
         WHERE consumed_by IN (SELECT id FROM bill_lines WHERE bill_id = $1)
         ORDER BY seq`,
        [billId],
      );
      return result.rows.map(recordOf);
    },
    async restoreConsumedBy(billId) {
      const result = await db.query<{ id: string }>(
        `UPDATE preauthorizations SET state = 'approved', consumed_by = NULL, consumed_at = NULL
         WHERE consumed_by IN (SELECT id FROM bill_lines WHERE bill_id = $1)
         RETURNING id`,
        [billId],
      );
      return result.rows.map((row) => row.id);
    },
  };
}

function recordOf(row: PreauthorizationRow): PreauthorizationRecord {
  return {
    preauthorizationId: row.id,
    patientId: row.patient_id,
    clinic: row.clinic,
    insurer: row.insurer,
    requestedOnBill: row.requested_on_bill,
    codesSealed: row.codes_sealed,
    reasonSealed: row.reason_sealed ?? undefined,
    currency: row.currency,
    requestedMinor: BigInt(row.requested_minor),
    state: row.state,
    approvedMinor: row.approved_minor === null ? undefined : BigInt(row.approved_minor),
    expiresOn: row.expires_on ?? undefined,
    denialReasonSealed: row.denial_reason_sealed ?? undefined,
    consumedBy: row.consumed_by ?? undefined,
    requestedAtMs: row.requested_at.getTime(),
    decidedAtMs: row.decided_at?.getTime(),
    seq: BigInt(row.seq),
  };
}
