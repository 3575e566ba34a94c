// oidc-provider's rows (codes, tokens, sessions, replay claims, revoked-grant tombstones) carry an expiry but
// are never deleted by it: this removes rows expired for over `graceS`, at most `limit` per call, so one run
// holds no long lock and a backlog drains over several runs. Rows without an expiry (clients) are kept.
import type { Queryable } from '@citypass/platform/pg';

export const payloadCleanup = { intervalMs: 10 * 60 * 1000, limit: 10_000, graceS: 3600 } as const;

export async function deleteExpiredPayloads(
  db: Queryable,
  limit: number = payloadCleanup.limit,
  graceS: number = payloadCleanup.graceS,
): Promise<number> {
  const result = await db.query(
    `DELETE FROM oidc_payloads WHERE (model, id) IN (
       SELECT model, id FROM oidc_payloads WHERE expires_at < now() - make_interval(secs => $2) LIMIT $1)`,
    [limit, graceS],
  );
  return result.rowCount ?? 0;
}
