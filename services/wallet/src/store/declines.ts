// Declined authorizations per UTC day, service and reason: a batch of counts is added in one statement.
import type { Queryable } from '@citypass/platform/pg';
import type { DeclineCount, DeclineCounts } from '../app/store.ts';

export function declineCounts(db: Queryable): DeclineCounts {
  return {
    async add(counts) {
      if (counts.length === 0) return;
      await db.query(
        `INSERT INTO decline_counts (day, service, reason, count)
         SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::bigint[])
         ON CONFLICT (day, service, reason) DO UPDATE SET count = decline_counts.count + EXCLUDED.count`,
        [
          counts.map((each) => each.day),
          counts.map((each) => each.service),
          counts.map((each) => each.reason),
          counts.map((each) => each.count.toString()),
        ],
      );
    },
    async onDay(day, limit, service) {
      const result = await db.query<{ service: string; reason: string; count: string }>(
        `SELECT service, reason, count FROM decline_counts WHERE day = $1::date AND ($3 = '' OR service = $3)
         ORDER BY count DESC, service, reason LIMIT $2`,
        [day, limit, service],
      );
      return result.rows.map((row): DeclineCount => ({ day, ...row, count: BigInt(row.count) }));
    },
  };
}
