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
  };
}
