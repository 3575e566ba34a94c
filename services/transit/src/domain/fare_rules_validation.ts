// Checks one version of the fare rules against the network: every zone pair priced for every concession, no
// negative or missing amounts, daily caps within weekly caps, a maximum fare no lower than any fare. Pure.
import { invalidArgument } from '@citypass/platform/errors';
import { concessionClasses, type ByConcession, type ConcessionClass } from './concession.ts';
import type { FareRules } from './fare_rules.ts';
import { maxFareAmountMinor } from './money.ts';
import { isZone, type Network } from './network.ts';
import { zonePairKey } from './zone_fare.ts';
import { transitReasons } from '@citypass/contracts';

export const maxZoneFares = 1_000;

export function checkFareRules(rules: FareRules, network: Network): void {
  const where = `fare rules version ${rules.version}`;
  checkDurations(rules, where);
  const highestFare = checkZoneFares(rules, network, where);
  for (const concession of concessionClasses) {
    const cap: unknown = (rules.caps as Partial<Record<ConcessionClass, unknown>>)[concession];
    if (typeof cap !== 'object' || cap === null)
      throw invalidArgument(transitReasons.CAP_MISSING, `${where}: no caps for ${concession}`);
    const daily = checkAmount((cap as Record<string, unknown>).dailyMinor, 'CAP', `${where}: ${concession} daily cap`);
    const weekly = checkAmount(
      (cap as Record<string, unknown>).weeklyMinor,
      'CAP',
      `${where}: ${concession} weekly cap`,
    );
    if (daily > weekly)
      throw invalidArgument(
        transitReasons.CAP_DAILY_ABOVE_WEEKLY,
        `${where}: the ${concession} daily cap is above the weekly cap`,
      );
  }
  const maxFare = checkByConcession(rules.maxFareMinor, 'MAX_FARE', `${where}: maximum fare`);
  for (const concession of concessionClasses) {
    if (maxFare[concession] < highestFare[concession]) {
      throw invalidArgument(
        transitReasons.MAX_FARE_BELOW_FARE,
        `${where}: the ${concession} maximum fare is below a zone fare`,
      );
    }
  }
  checkByConcession(rules.unmatchedExitFareMinor, 'UNMATCHED_EXIT_FARE', `${where}: unmatched exit fare`);
  const period: string = rules.weeklyCapPeriod;
  if (period !== 'calendar_week' && period !== 'rolling_7_days') {
    throw invalidArgument(
      transitReasons.WEEKLY_CAP_PERIOD_INVALID,
      `${where}: the weekly cap period is calendar_week or rolling_7_days`,
    );
  }
}

function checkDurations(rules: FareRules, where: string): void {
  const maxJourney = rules.maxJourneyMinutes;
  const window = rules.transferWindowMinutes;
  if (!Number.isInteger(maxJourney) || maxJourney < 1 || maxJourney > 24 * 60) {
    throw invalidArgument(
      transitReasons.MAX_JOURNEY_INVALID,
      `${where}: the maximum journey time is 1-1440 whole minutes`,
    );
  }
  if (!Number.isInteger(window) || window < 0 || window >= maxJourney) {
    throw invalidArgument(
      transitReasons.TRANSFER_WINDOW_INVALID,
      `${where}: the transfer window is whole minutes, shorter than the maximum journey`,
    );
  }
}

/** Returns the highest zone fare per concession, for the maximum fare check. */
function checkZoneFares(rules: FareRules, network: Network, where: string): Record<ConcessionClass, bigint> {
  if (rules.zoneFares.length > maxZoneFares)
    throw invalidArgument(transitReasons.FARE_TABLE_TOO_LARGE, `${where}: at most ${maxZoneFares} zone fares`);
  const priced = new Set<string>();
  const highest: Record<ConcessionClass, bigint> = { adult: 0n, child: 0n, senior: 0n, student: 0n };
  for (const entry of rules.zoneFares) {
    if (!isZone(entry.fromZone) || !isZone(entry.toZone))
      throw invalidArgument(transitReasons.FARE_ZONE_INVALID, `${where}: zones are 1-99`);
    const key = zonePairKey(entry.fromZone, entry.toZone);
    if (priced.has(key))
      throw invalidArgument(transitReasons.FARE_DUPLICATE, `${where}: zones ${key} are priced twice`);
    priced.add(key);
    const fares = checkByConcession(entry.fareMinor, 'FARE', `${where}: fare for zones ${key}`);
    for (const concession of concessionClasses) {
      if (fares[concession] > highest[concession]) highest[concession] = fares[concession];
    }
  }
  for (const from of network.zones) {
    for (const to of network.zones) {
      if (!priced.has(zonePairKey(from, to)))
        throw invalidArgument(transitReasons.FARE_MISSING, `${where}: no fare between zones ${from} and ${to}`);
    }
  }
  return highest;
}

function checkByConcession(table: unknown, reasonPrefix: string, what: string): ByConcession<bigint> {
  if (typeof table !== 'object' || table === null)
    throw invalidArgument(`${reasonPrefix}_MISSING`, `${what} is missing`);
  const amounts: Record<ConcessionClass, bigint> = { adult: 0n, child: 0n, senior: 0n, student: 0n };
  for (const concession of concessionClasses) {
    amounts[concession] = checkAmount(
      (table as Record<string, unknown>)[concession],
      reasonPrefix,
      `${what} (${concession})`,
    );
  }
  return amounts;
}

function checkAmount(value: unknown, reasonPrefix: string, what: string): bigint {
  if (typeof value !== 'bigint')
    throw invalidArgument(`${reasonPrefix}_MISSING`, `${what} is missing: integer minor units as a bigint`);
  if (value < 0n) throw invalidArgument(`${reasonPrefix}_NEGATIVE`, `${what} is negative`);
  if (value > maxFareAmountMinor)
    throw invalidArgument(`${reasonPrefix}_TOO_LARGE`, `${what} is above ${String(maxFareAmountMinor)}`);
  return value;
}
