// A fare schedule: the currency, the service day and the versions of the fare rules, checked against a network.
// The only way to obtain a FareSchedule, which the engine requires. Pure.
import { isCurrencyCode } from '@citypass/platform/money';
import { invalidArgument } from '@citypass/platform/errors';
import type { FareSchedule, FareScheduleInput } from './fare_rules.ts';
import { checkFareRules } from './fare_rules_validation.ts';
import type { Network } from './network.ts';
import { checkServiceDayRule, parseServiceDate } from './service_day.ts';
import { transitReasons } from '@citypass/contracts';

export const maxFareRuleVersions = 100;

export function createFareSchedule(input: FareScheduleInput, network: Network): FareSchedule {
  if (!isCurrencyCode(input.currency))
    throw invalidArgument(transitReasons.CURRENCY_INVALID, 'currency must be an ISO 4217 code like EUR');
  checkServiceDayRule(input.serviceDay);
  if (input.versions.length === 0 || input.versions.length > maxFareRuleVersions) {
    throw invalidArgument(
      transitReasons.FARE_RULES_COUNT_INVALID,
      `a schedule holds 1-${maxFareRuleVersions} versions of the fare rules`,
    );
  }
  let previous: { version: number; effectiveDay: number } | undefined;
  for (const rules of input.versions) {
    if (!Number.isSafeInteger(rules.version) || rules.version < 1) {
      throw invalidArgument(transitReasons.FARE_RULES_VERSION_INVALID, 'a fare rules version is a positive integer');
    }
    const effectiveDay = parseServiceDate(rules.effectiveFrom, 'effectiveFrom');
    if (previous !== undefined && (rules.version <= previous.version || effectiveDay <= previous.effectiveDay)) {
      throw invalidArgument(
        transitReasons.FARE_RULES_ORDER_INVALID,
        'versions must increase, each effective from a later service date',
      );
    }
    checkFareRules(rules, network);
    previous = { version: rules.version, effectiveDay };
  }
  return input as FareSchedule;
}
