// Pages of bills for the views: an insurer's claims (adjudicated bills addressed to it) and a resident's bills,
// newest first, in keyset pages of (created_at, id) so pages stay stable while bills are added.
import type { Queryable } from '@citypass/platform/pg';
import type { BillPageStore } from '../app/store.ts';
import { billsWithLines } from './bills.ts';

export function postgresBillPageStore(db: Queryable): BillPageStore {
  return {
    async claimsOf(insurer, query, limit) {
      const result = await db.query<{ id: string }>(
        `SELECT id FROM bills
          WHERE insurer = $1 AND finalized_at IS NOT NULL
            AND ($2::text IS NULL OR clinic = $2)
            AND ($3::timestamptz IS NULL OR created_at >= $3)
            AND ($4::timestamptz IS NULL OR created_at < $4)
            AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6::uuid))
          ORDER BY created_at DESC, id DESC
          LIMIT $7`,
        [
          insurer,
          query.clinic ?? null,
          query.fromMs === undefined ? null : new Date(query.fromMs),
          query.toMs === undefined ? null : new Date(query.toMs),
          query.after === undefined ? null : new Date(query.after.createdAtMs),
          query.after?.billId ?? null,
          limit,
        ],
      );
      return billsWithLines(
        db,
        result.rows.map((row) => row.id),
      );
    },
    async ofPatient(patientId, after, limit) {
      const result = await db.query<{ id: string }>(
        `SELECT id FROM bills
          WHERE patient_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
          ORDER BY created_at DESC, id DESC
          LIMIT $4`,
        [patientId, after === undefined ? null : new Date(after.createdAtMs), after?.billId ?? null, limit],
      );
      return billsWithLines(
        db,
        result.rows.map((row) => row.id),
      );
    },
  };
}
