// Plan versions: the engine's PlanVersionInput kept as jsonb (bigints as decimal strings, turned back here, once),
// beside the insurer and currency that settle it. Versions are never edited.
import type { Queryable } from '@citypass/platform/pg';
import type { PlanStore, PlanVersionRecord } from '../app/store.ts';
import type { PlanVersionInput } from '../domain/plan.ts';

interface PlanRow {
  plan_id: string;
  version: number;
  insurer: string;
  currency: string;
  effective_from: string;
  rules: unknown;
}

const columns = "plan_id, version, insurer, currency, to_char(effective_from, 'YYYY-MM-DD') AS effective_from, rules";

export function postgresPlanStore(db: Queryable): PlanStore {
  return {
    async lock(planId) {
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`plan:${planId}`]);
    },
    async add(version, createdBy, atMs) {
      await db.query(
        `INSERT INTO plan_versions (plan_id, version, insurer, currency, effective_from, rules, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          version.planId,
          version.version,
          version.insurer,
          version.currency,
          version.effectiveFrom,
          JSON.stringify(version.rules, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
          createdBy,
          new Date(atMs),
        ],
      );
    },
    async versions(planId) {
      const result = await db.query<PlanRow>(
        `SELECT ${columns} FROM plan_versions WHERE plan_id = $1 ORDER BY version`,
        [planId],
      );
      return result.rows.map(recordOf);
    },
    async all() {
      const result = await db.query<PlanRow>(`SELECT ${columns} FROM plan_versions ORDER BY plan_id, version`);
      return result.rows.map(recordOf);
    },
  };
}

/** Amount fields are the ones named `...Minor` or `...AboveMinor`: their strings become bigints again. */
function recordOf(row: PlanRow): PlanVersionRecord {
  const rules = JSON.parse(JSON.stringify(row.rules), (key, value: unknown) =>
    key.endsWith('Minor') && typeof value === 'string' ? BigInt(value) : value,
  ) as PlanVersionInput;
  return {
    planId: row.plan_id,
    version: row.version,
    insurer: row.insurer,
    currency: row.currency,
    effectiveFrom: row.effective_from,
    rules,
  };
}
