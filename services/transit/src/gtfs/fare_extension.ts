// citypass_fare_rules.json: what GTFS Fares v2 cannot say (caps, maximum fare, unmatched exit fare, journey time
// limits, the service day start, the rules' version and effective date). Unknown keys are refused so a misspelt
// field is not silently dropped. Amounts are decimal strings in the feed's currency, like GTFS amounts. Pure.
import { concessionClasses, type ByConcession, type ConcessionClass } from '../domain/concession.ts';
import type { CapRule, FareRules, WeeklyCapPeriod } from '../domain/fare_rules.ts';
import { amountMinor } from './amount.ts';
import { gtfsError } from './table.ts';
import { transitReasons } from '@citypass/contracts';

export const extensionFileName = 'citypass_fare_rules.json';

export interface FareExtension {
  readonly startMinuteOfDay: number;
  readonly rules: Omit<FareRules, 'zoneFares'>;
}

type Fields = Readonly<Record<string, unknown>>;

const topKeys = [
  'version',
  'effective_from',
  'service_day_start',
  'transfer_window_minutes',
  'max_journey_minutes',
  'weekly_cap_period',
  'concessions',
];
const amountKeys = ['daily_cap', 'weekly_cap', 'max_fare', 'unmatched_exit_fare'] as const;
const weeklyCapPeriods: readonly WeeklyCapPeriod[] = ['calendar_week', 'rolling_7_days'];

const at = (path: string): string => `${extensionFileName} (${path})`;

export function readFareExtension(text: string, currency: string): FareExtension {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw gtfsError(transitReasons.GTFS_JSON_MALFORMED, extensionFileName, 'not valid JSON');
  }
  const top = fieldsOf(parsed, 'top level', topKeys);
  const start = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(stringOf(top, 'service_day_start'));
  if (start === null)
    throw gtfsError(transitReasons.GTFS_FIELD_INVALID, at('service_day_start'), 'a local time written HH:MM');
  const period = weeklyCapPeriods.find((candidate) => candidate === top.weekly_cap_period);
  if (period === undefined)
    throw gtfsError(
      transitReasons.GTFS_FIELD_INVALID,
      at('weekly_cap_period'),
      `one of ${weeklyCapPeriods.join(', ')}`,
    );
  const concessions = fieldsOf(top.concessions, 'concessions', concessionClasses);
  const perConcession = byConcession((concession) =>
    fieldsOf(concessions[concession], `concessions.${concession}`, amountKeys),
  );
  const amounts = (key: (typeof amountKeys)[number]): ByConcession<bigint> =>
    byConcession((concession) => {
      const value = perConcession[concession][key];
      const where = at(`concessions.${concession}.${key}`);
      if (typeof value !== 'string')
        throw gtfsError(transitReasons.GTFS_AMOUNT_INVALID, where, 'amounts are decimal strings like "2.90"');
      return amountMinor(value, currency, where);
    });
  const daily = amounts('daily_cap');
  const weekly = amounts('weekly_cap');
  const rules: FareExtension['rules'] = {
    version: integerOf(top, 'version'),
    effectiveFrom: stringOf(top, 'effective_from'),
    transferWindowMinutes: integerOf(top, 'transfer_window_minutes'),
    maxJourneyMinutes: integerOf(top, 'max_journey_minutes'),
    caps: byConcession((concession): CapRule => ({ dailyMinor: daily[concession], weeklyMinor: weekly[concession] })),
    weeklyCapPeriod: period,
    maxFareMinor: amounts('max_fare'),
    unmatchedExitFareMinor: amounts('unmatched_exit_fare'),
  };
  return { startMinuteOfDay: Number(start[1]) * 60 + Number(start[2]), rules };
}

function byConcession<T>(valueOf: (concession: ConcessionClass) => T): ByConcession<T> {
  return { adult: valueOf('adult'), child: valueOf('child'), senior: valueOf('senior'), student: valueOf('student') };
}

/** An object holding exactly `keys`. */
function fieldsOf(value: unknown, path: string, keys: readonly string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw gtfsError(transitReasons.GTFS_FIELD_INVALID, at(path), 'must be an object');
  const fields = value as Fields;
  const unknown = Object.keys(fields).find((key) => !keys.includes(key));
  if (unknown !== undefined)
    throw gtfsError(transitReasons.GTFS_FIELD_UNKNOWN, at(path), `unknown field ${JSON.stringify(unknown)}`);
  const missing = keys.find((key) => !Object.hasOwn(fields, key));
  if (missing !== undefined) throw gtfsError(transitReasons.GTFS_FIELD_MISSING, at(path), `${missing} is missing`);
  return fields;
}

function stringOf(fields: Fields, key: string): string {
  const value = fields[key];
  if (typeof value !== 'string') throw gtfsError(transitReasons.GTFS_FIELD_INVALID, at(key), 'must be a string');
  return value;
}

function integerOf(fields: Fields, key: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw gtfsError(transitReasons.GTFS_FIELD_INVALID, at(key), 'must be a whole number');
  return value;
}
