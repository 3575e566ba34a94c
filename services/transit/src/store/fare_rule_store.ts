// Operators' fare rules versions (fare_rule_versions), stored as the wire message's canonical JSON.
import { isUniqueViolation, type Queryable } from '@citypass/platform/pg';
import { fareRulesFromJson, fareRulesToJson } from '../app/fare_rules_json.ts';
import type { FareRuleStore } from '../app/transit_store.ts';

export function postgresFareRuleStore(db: Queryable): FareRuleStore {
  return {
    async all() {
      const { rows } = await db.query<{ rules: unknown }>('SELECT rules FROM fare_rule_versions ORDER BY version');
      return rows.map((row) => fareRulesFromJson(row.rules));
    },
    async createdBy(createdBy) {
      const { rows } = await db.query<{ rules: unknown }>(
        'SELECT rules FROM fare_rule_versions WHERE created_by = $1',
        [createdBy],
      );
      return rows[0] === undefined ? undefined : fareRulesFromJson(rows[0].rules);
    },
    async lockForWrite() {
      await db.query('LOCK TABLE fare_rule_versions IN SHARE ROW EXCLUSIVE MODE');
    },
    async add(rules, createdBy) {
      try {
        await db.query(
          'INSERT INTO fare_rule_versions (version, effective_from, rules, created_by) VALUES ($1, $2, $3, $4)',
          [rules.version, rules.effectiveFrom, fareRulesToJson(rules), createdBy],
        );
        return 'added';
      } catch (error) {
        if (isUniqueViolation(error)) return 'effective_date_taken';
        throw error;
      }
    },
  };
}
