// Risk rule sets and the instances' shadow tallies as rows (migrations/9-risk-rule-sets.sql) and typed values, once.
// Puts and promotions take one table lock, so two operators (or two instances answering them) never leave two
// candidates, two live rule sets, or a promotion checked on a candidate another put just replaced.
import { withTransaction, type Pool, type Queryable } from '@citypass/platform/pg';
import type { RuleSet, ShadowReport } from '@citypass/risk';
import { sumShadowReports, type RiskRuleSetStore, type StoredRuleSet } from '../app/risk_rule_sets.ts';

interface RuleSetRow {
  readonly version: string;
  readonly rule_set: RuleSet;
  readonly status: string;
  readonly created_at: Date;
  readonly created_by: string;
  readonly promoted_at: Date | null;
  readonly promoted_by: string;
}

const lock = 'LOCK TABLE risk_rule_sets IN SHARE ROW EXCLUSIVE MODE';

export function riskRuleSetStore(pool: Pool): RiskRuleSetStore {
  return {
    async current() {
      const rows = await currentRows(pool);
      return { live: rows.get('live'), candidate: rows.get('candidate') };
    },
    putCandidate: (ruleSet, operator, at) =>
      withTransaction(pool, async (client) => {
        await client.query(lock);
        const existing = await client.query<{ status: string; same: boolean }>(
          'SELECT status, rule_set = $2::jsonb AS same FROM risk_rule_sets WHERE version = $1',
          [ruleSet.version, JSON.stringify(ruleSet)],
        );
        const row = existing.rows[0];
        if (row !== undefined) return row.status === 'candidate' && row.same ? 'repeat' : 'version_used';
        await client.query("UPDATE risk_rule_sets SET status = 'withdrawn' WHERE status = 'candidate'");
        await client.query(
          `INSERT INTO risk_rule_sets (version, rule_set, status, created_at, created_by)
           VALUES ($1, $2::jsonb, 'candidate', $3, $4)`,
          [ruleSet.version, JSON.stringify(ruleSet), at, operator],
        );
        return 'started';
      }),
    async writeTally(report, instanceId, at) {
      await pool.query(
        `INSERT INTO risk_shadow_tallies (candidate_version, instance_id, report, updated_at)
         VALUES ($1, $2::uuid, $3::jsonb, $4)
         ON CONFLICT (candidate_version, instance_id) DO UPDATE SET report = excluded.report, updated_at = excluded.updated_at
         WHERE (risk_shadow_tallies.report ->> 'decisions')::bigint <= (excluded.report ->> 'decisions')::bigint`,
        [report.candidateVersion, instanceId, JSON.stringify(report), at],
      );
    },
    tallies: (version) => talliesOf(pool, version),
    promote: (version, operator, at, check) =>
      withTransaction(pool, async (client) => {
        await client.query(lock);
        const rows = await currentRows(client);
        const live = rows.get('live');
        if (live?.ruleSet.version === version)
          return { live, tally: sumShadowReports(version, await talliesOf(client, version)), promoted: false };
        if (rows.get('candidate')?.ruleSet.version !== version) return undefined;
        const tally = sumShadowReports(version, await talliesOf(client, version));
        check(tally);
        await client.query("UPDATE risk_rule_sets SET status = 'retired' WHERE status = 'live'");
        const promoted = await client.query<RuleSetRow>(
          `UPDATE risk_rule_sets SET status = 'live', promoted_at = $2, promoted_by = $3 WHERE version = $1
           RETURNING *`,
          [version, at, operator],
        );
        const row = promoted.rows[0];
        if (row === undefined) throw new Error(`candidate ${version} vanished under the lock`);
        return { live: storedOf(row), tally, promoted: true };
      }),
  };
}

async function currentRows(db: Queryable): Promise<Map<string, StoredRuleSet>> {
  const result = await db.query<RuleSetRow>("SELECT * FROM risk_rule_sets WHERE status IN ('live', 'candidate')");
  return new Map(result.rows.map((row) => [row.status, storedOf(row)]));
}

async function talliesOf(db: Queryable, version: string): Promise<ShadowReport[]> {
  const result = await db.query<{ report: ShadowReport }>(
    'SELECT report FROM risk_shadow_tallies WHERE candidate_version = $1',
    [version],
  );
  return result.rows.map((row) => row.report);
}

function storedOf(row: RuleSetRow): StoredRuleSet {
  return {
    ruleSet: row.rule_set,
    createdAt: row.created_at,
    createdBy: row.created_by,
    promotedAt: row.promoted_at ?? undefined,
    promotedBy: row.promoted_by,
  };
}
