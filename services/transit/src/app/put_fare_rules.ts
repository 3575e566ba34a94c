// Operators add a fare rules version effective from a later service day (today's fares never change midway);
// the domain checks it against the network and the versions before it. Idempotent by key: the same key returns
// the version it created. Versions are never edited or removed: a correction is a newer version.
import {
  FareRules as FareRulesMessage,
  type PutFareRulesRequest,
  type PutFareRulesResponse,
} from '@citypass/proto/transit/v1/transit';
import { alreadyExists, failedPrecondition } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import type { FareRules } from '../domain/fare_rules.ts';
import { parseServiceDate, serviceDayOf } from '../domain/service_day.ts';
import type { FareBook } from './fare_book.ts';
import { fareRulesFromProto, fareRulesToJson, fareRulesToProto } from './fare_rules_json.ts';
import { auditActions, checkActionReason } from './operator_audit.ts';
import type { TransitStore } from './transit_store.ts';
import { commonReasons } from '@citypass/platform/reasons';
import { transitReasons } from '@citypass/contracts';

export async function putFareRules(
  deps: { store: TransitStore; fares: FareBook; now: () => number },
  operator: string,
  actor: string,
  request: PutFareRulesRequest,
): Promise<PutFareRulesResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const reason = checkActionReason(request.reason);
  const created = await deps.store.transaction(async (tx) => {
    await tx.fareRules.lockForWrite();
    const first = await tx.fareRules.createdBy(`${operator}:${key}`);
    if (first !== undefined) {
      const again = fareRulesFromProto(request.rules, first.version);
      const bytes = (rules: typeof first): Buffer =>
        Buffer.from(FareRulesMessage.encode(fareRulesToProto(rules)).finish());
      if (!bytes(again).equals(bytes(first))) {
        throw alreadyExists(commonReasons.IDEMPOTENCY_KEY_REUSED, 'this idempotency key was used for other fare rules');
      }
      return first;
    }
    const added = await tx.fareRules.all();
    const rules = candidateFareRules(deps, added, request.rules);
    if ((await tx.fareRules.add(rules, `${operator}:${key}`)) === 'effective_date_taken') {
      throw alreadyExists(transitReasons.EFFECTIVE_DATE_TAKEN, 'a version already takes effect on that service day');
    }
    // Before: the latest version until now (an operator's, or else the feed's), which the new one follows.
    const previous = added.at(-1) ?? deps.fares.feedVersions.at(-1);
    await tx.audit.append({
      actor,
      reason,
      action: auditActions.fareRulesAdded,
      target: `fare_rules:${rules.version}`,
      merchant: '',
      before: previous === undefined ? {} : (fareRulesToJson(previous) as Record<string, unknown>),
      after: fareRulesToJson(rules) as Record<string, unknown>,
    });
    return rules;
  });
  await deps.fares.reload();
  return { rules: fareRulesToProto(created) };
}

/**
 * The operator's proposed rules as the next version after `added` (operators' versions so far), refused for every
 * reason PutFareRules refuses them: the shape, a service day not after today, the domain's checks against the
 * network and the versions before it. PreviewFareRules checks a candidate with this too.
 */
export function candidateFareRules(
  deps: { fares: FareBook; now: () => number },
  added: readonly FareRules[],
  message: FareRulesMessage | undefined,
): FareRules {
  const lastVersion = added.at(-1)?.version ?? deps.fares.feedVersions.at(-1)?.version ?? 0;
  const rules = fareRulesFromProto(message, lastVersion + 1);
  const today = serviceDayOf(deps.now(), deps.fares.schedule.serviceDay);
  if (parseServiceDate(rules.effectiveFrom, 'effective_from') <= today) {
    throw failedPrecondition(
      transitReasons.EFFECTIVE_DATE_NOT_FUTURE,
      'new fare rules take effect from a later service day than today',
    );
  }
  deps.fares.withVersions([...added, rules]); // the domain's checks, with the versions before it
  return rules;
}
