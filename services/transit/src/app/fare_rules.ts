// Operators add a fare rules version effective from a later service day (today's fares never change midway);
// the domain checks it against the network and the versions before it. Idempotent by key: the same key returns
// the version it created. Versions are never edited or removed: a correction is a newer version.
import { FareRules as FareRulesMessage, type ListFareRulesResponse, type PutFareRulesRequest, type PutFareRulesResponse } from '@citypass/proto/transit/v1/transit';
import { alreadyExists, failedPrecondition } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { isUniqueViolation, withTransaction, type Pool } from '@citypass/platform/pg';
import { parseServiceDate, serviceDayOf } from '../domain/service_day.ts';
import type { FareBook } from './fare_book.ts';
import { fareRulesFromJson, fareRulesFromProto, fareRulesToJson, fareRulesToProto } from './fare_rules_json.ts';

export async function putFareRules(deps: { pool: Pool; fares: FareBook; now: () => number }, operator: string, request: PutFareRulesRequest): Promise<PutFareRulesResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const created = await withTransaction(deps.pool, async (tx) => {
    await tx.query('LOCK TABLE fare_rule_versions IN SHARE ROW EXCLUSIVE MODE');
    const existing = await tx.query<{ rules: unknown }>('SELECT rules FROM fare_rule_versions WHERE created_by = $1', [`${operator}:${key}`]);
    if (existing.rows[0] !== undefined) {
      const first = fareRulesFromJson(existing.rows[0].rules);
      const again = fareRulesFromProto(request.rules, first.version);
      const bytes = (rules: typeof first): Buffer => Buffer.from(FareRulesMessage.encode(fareRulesToProto(rules)).finish());
      if (!bytes(again).equals(bytes(first))) {
        throw alreadyExists('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was used for other fare rules');
      }
      return first;
    }
    const { rows } = await tx.query<{ rules: unknown }>('SELECT rules FROM fare_rule_versions ORDER BY version');
    const added = rows.map((row) => fareRulesFromJson(row.rules));
    const lastVersion = added.at(-1)?.version ?? deps.fares.feedVersions.at(-1)?.version ?? 0;
    const rules = fareRulesFromProto(request.rules, lastVersion + 1);
    const today = serviceDayOf(deps.now(), deps.fares.schedule.serviceDay);
    if (parseServiceDate(rules.effectiveFrom, 'effective_from') <= today) {
      throw failedPrecondition('EFFECTIVE_DATE_NOT_FUTURE', 'new fare rules take effect from a later service day than today');
    }
    deps.fares.withVersions([...added, rules]); // the domain's checks, with the versions before it
    try {
      await tx.query('INSERT INTO fare_rule_versions (version, effective_from, rules, created_by) VALUES ($1, $2, $3, $4)',
        [rules.version, rules.effectiveFrom, fareRulesToJson(rules), `${operator}:${key}`]);
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('EFFECTIVE_DATE_TAKEN', 'a version already takes effect on that service day');
      throw error;
    }
    return rules;
  });
  await deps.fares.reload();
  return { rules: fareRulesToProto(created) };
}

export function listFareRules(fares: FareBook): ListFareRulesResponse {
  const schedule = fares.schedule;
  return { currency: schedule.currency, versions: schedule.versions.map(fareRulesToProto) };
}
