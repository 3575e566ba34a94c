// Corrections of paid bills and the state of the wallet refund each one owes. Ids and money in plain columns; the
// clinic's reason arrives and leaves sealed.
import type { Queryable } from '@citypass/platform/pg';
import type { CorrectionKind, CorrectionRecord, CorrectionStore, RefundState } from '../app/store.ts';

interface CorrectionRow {
  id: string;
  bill_id: string;
  kind: CorrectionKind;
  cancelled_line_ids: string[];
  repriced_line_ids: string[];
  patient_refund_minor: string;
  plan_refund_minor: string;
  written_off_delta_minor: string;
  refund_state: RefundState;
  wallet_key: string | null;
  idempotency_key: string;
  corrected_by: string;
  corrected_at: Date;
  reason_sealed: Buffer;
}

export function postgresCorrectionStore(db: Queryable): CorrectionStore {
  return {
    async add(correction) {
      await db.query(
        `INSERT INTO bill_corrections (id, bill_id, kind, cancelled_line_ids, repriced_line_ids, patient_refund_minor,
           plan_refund_minor, written_off_delta_minor, refund_state, wallet_key, refund_attempted_at, idempotency_key,
           corrected_by, corrected_at, reason_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $11, $14)`,
        [
          correction.correctionId,
          correction.billId,
          correction.kind,
          correction.cancelledLineIds,
          correction.repricedLineIds,
          String(correction.patientRefundMinor),
          String(correction.planRefundMinor),
          String(correction.writtenOffDeltaMinor),
          correction.refundState,
          correction.walletKey ?? null,
          new Date(correction.correctedAtMs),
          correction.idempotencyKey,
          correction.correctedBy,
          correction.reasonSealed,
        ],
      );
    },
    async get(correctionId, options = {}) {
      const result = await db.query<CorrectionRow>(
        `SELECT * FROM bill_corrections WHERE id = $1${options.forUpdate === true ? ' FOR UPDATE' : ''}`,
        [correctionId],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : correctionOf(row);
    },
    async setRefundState(correctionId, state, atMs) {
      await db.query(
        `UPDATE bill_corrections SET refund_attempted_at = $3,
           refund_state = CASE WHEN $2 = 'attempted' THEN refund_state ELSE $2 END
         WHERE id = $1 AND refund_state = 'pending'`,
        [correctionId, state, new Date(atMs)],
      );
    },
    async pendingRefunds(triedBeforeMs, limit) {
      const result = await db.query<{ id: string }>(
        `SELECT id FROM bill_corrections WHERE refund_state = 'pending' AND refund_attempted_at < $1
         ORDER BY refund_attempted_at LIMIT $2`,
        [new Date(triedBeforeMs), limit],
      );
      return result.rows.map((row) => row.id);
    },
  };
}

function correctionOf(row: CorrectionRow): CorrectionRecord {
  return {
    correctionId: row.id,
    billId: row.bill_id,
    kind: row.kind,
    cancelledLineIds: row.cancelled_line_ids,
    repricedLineIds: row.repriced_line_ids,
    patientRefundMinor: BigInt(row.patient_refund_minor),
    planRefundMinor: BigInt(row.plan_refund_minor),
    writtenOffDeltaMinor: BigInt(row.written_off_delta_minor),
    refundState: row.refund_state,
    walletKey: row.wallet_key ?? undefined,
    idempotencyKey: row.idempotency_key,
    correctedBy: row.corrected_by,
    correctedAtMs: row.corrected_at.getTime(),
    reasonSealed: row.reason_sealed,
  };
}
