// Finalized lines counted per code digest, day and clinic (clinic_code_days), for the clinic peers check.
import type { Queryable } from '@citypass/platform/pg';
import type { ClinicCodeDayStore } from '../app/store.ts';

/**
 * Per code index, each clinic's lines after $3: one index range per (digest, day > since) of the primary key, a
 * code's rows in the window (at most days x clinics), summed per clinic. Exported for bench/clinic_peers.ts's EXPLAIN.
 */
export const linesByClinicSql = `SELECT d.code_index, c.clinic, sum(c.lines)::integer AS lines
  FROM unnest($1::bytea[], $2::integer[]) AS d(digest, code_index)
  JOIN clinic_code_days c ON c.code_digest = d.digest AND c.day > $3::date
  GROUP BY d.code_index, c.clinic`;

export function postgresClinicCodeDayStore(db: Queryable): ClinicCodeDayStore {
  return {
    async linesByClinic(codes, sinceDay) {
      const digests = codes.flatMap((digests) => digests);
      const codeIndexes = codes.flatMap((digests, index) => digests.map(() => index));
      const result = await db.query<{ code_index: number; clinic: string; lines: number }>(linesByClinicSql, [
        digests,
        codeIndexes,
        sinceDay,
      ]);
      const byCode = codes.map(() => new Map<string, number>());
      for (const row of result.rows) byCode[row.code_index]?.set(row.clinic, row.lines);
      return byCode;
    },
    async record(clinic, day, lines) {
      await db.query(
        'UPDATE bill_lines l SET code_digest = o.digest FROM unnest($1::uuid[], $2::bytea[]) AS o(id, digest) WHERE l.id = o.id',
        [lines.map((line) => line.lineId), lines.map((line) => line.codeDigest)],
      );
      // In digest order, so two finalizes at one clinic that day take the rows' locks in the same order.
      const counts = new Map<string, { digest: Buffer; lines: number }>();
      for (const line of lines) {
        const name = line.codeDigest.toString('hex');
        counts.set(name, { digest: line.codeDigest, lines: (counts.get(name)?.lines ?? 0) + 1 });
      }
      const ordered = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, count]) => count);
      await db.query(
        `INSERT INTO clinic_code_days (code_digest, day, clinic, lines)
         SELECT digest, $3::date, $4, lines FROM unnest($1::bytea[], $2::integer[]) AS o(digest, lines)
         ON CONFLICT (code_digest, day, clinic) DO UPDATE SET lines = clinic_code_days.lines + excluded.lines`,
        [ordered.map((count) => count.digest), ordered.map((count) => count.lines), day, clinic],
      );
    },
    async takeBack(billId, lineIds) {
      const taken = await db.query<{ digest: Buffer; day: string; clinic: string; lines: number }>(
        `SELECT l.code_digest AS digest, to_char(b.finalized_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, b.clinic,
                count(*)::integer AS lines
           FROM bill_lines l JOIN bills b ON b.id = l.bill_id
          WHERE l.bill_id = $1 AND l.id = ANY($2::uuid[]) AND l.code_digest IS NOT NULL
          GROUP BY 1, 2, 3`,
        [billId, lineIds],
      );
      const first = taken.rows[0];
      if (first === undefined) return;
      const digests = taken.rows.map((row) => row.digest);
      const lines = taken.rows.map((row) => row.lines);
      // Locked in digest order first, as record takes them, so a finalize at the clinic that day cannot deadlock
      // with this, nor add lines between the two statements below (whose split would then miss the row).
      await db.query(
        `SELECT 1 FROM clinic_code_days WHERE code_digest = ANY($1::bytea[]) AND day = $2::date AND clinic = $3
          ORDER BY code_digest FOR UPDATE`,
        [digests, first.day, first.clinic],
      );
      // A row whose last lines these are goes (a count is never 0: a clinic with no lines of a code is no peer).
      const match = `c.code_digest = o.digest AND c.day = $3::date AND c.clinic = $4`;
      const taking = `unnest($1::bytea[], $2::integer[]) AS o(digest, lines)`;
      await db.query(`DELETE FROM clinic_code_days c USING ${taking} WHERE ${match} AND c.lines <= o.lines`, [
        digests,
        lines,
        first.day,
        first.clinic,
      ]);
      await db.query(`UPDATE clinic_code_days c SET lines = c.lines - o.lines FROM ${taking} WHERE ${match}`, [
        digests,
        lines,
        first.day,
        first.clinic,
      ]);
    },
  };
}
