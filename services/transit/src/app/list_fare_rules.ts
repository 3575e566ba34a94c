// ListFareRules: every version in the schedule, future ones included (operators only).
import type { ListFareRulesResponse } from '@citypass/proto/transit/v1/transit';
import type { FareBook } from './fare_book.ts';
import { fareRulesToProto } from './fare_rules_json.ts';

export function listFareRules(fares: FareBook): ListFareRulesResponse {
  const schedule = fares.schedule;
  return { currency: schedule.currency, versions: schedule.versions.map(fareRulesToProto) };
}
