// The seeded city: the same options give the same events, byte for byte. Days of ordinary life for every resident
// (plus honest surprises: new phones with a big first purchase, family phones shared by two) with the labelled
// fraud cases woven in, in time order.
import { chance, randomInt, seededRandom } from '@citypass/platform/seeded_random';
import type { RiskEvent } from '../event.ts';
import { amountOf, buildMap, shopCategories, type CityMap } from './map.ts';
import { makeResidents, minuteMs, purchase, residentDay, type Resident } from './residents.ts';
import { planCases, playCase, type Case, type DayOutput, type Label } from './scenarios.ts';

const dayMs = 86_400_000;

export type CityOptions = { readonly seed: number; readonly residents: number; readonly days: number };
export const defaultCityOptions: CityOptions = { seed: 13, residents: 3_000, days: 87 };

export type GeneratedCity = {
  readonly options: CityOptions;
  readonly startMs: number;
  readonly map: CityMap;
  readonly cases: readonly Case[];
  readonly events: readonly RiskEvent[];
  /** Parallel to events: the fraud case an event belongs to, or null for an honest one. */
  readonly labels: readonly (Label | null)[];
};

/** 2026-09-07, a Monday. */
export const cityStartMs = Date.UTC(2026, 8, 7);

export function generateCity(options: CityOptions = defaultCityOptions): GeneratedCity {
  const random = seededRandom(options.seed);
  const map = buildMap(random, 48, Math.max(60, Math.round(options.residents / 8)), 24);
  const residents = makeResidents(random, map, options.residents, cityStartMs);
  for (const [index, resident] of residents.entries()) {
    const sharer = residents[index - 1];
    if (sharer !== undefined && chance(random, 0.02)) resident.deviceId = sharer.deviceId;
  }
  const newPhoneDay = new Map<Resident, number>();
  for (const resident of residents)
    if (chance(random, 0.03)) newPhoneDay.set(resident, randomInt(random, 1, options.days - 1));
  const cases = planCases(random, map, residents, options.days);
  const events: RiskEvent[] = [];
  const labels: (Label | null)[] = [];
  for (let day = 0; day < options.days; day += 1) {
    const dayStartMs = cityStartMs + day * dayMs;
    const weekend = day % 7 >= 5;
    const out: DayOutput = { events: [], labels: [] };
    for (const resident of residents) {
      if (newPhoneDay.get(resident) === day) newPhone(random, map, resident, dayStartMs, out);
      const before = out.events.length;
      residentDay(random, map, out.events, resident, dayStartMs, weekend);
      for (let index = before; index < out.events.length; index += 1) out.labels.push(null);
    }
    for (const case_ of cases) if (day >= case_.day) playCase(random, map, case_, day, dayStartMs, out);
    const order = out.events
      .map((_, index) => index)
      .sort((left, right) => (out.events[left]?.atMs ?? 0) - (out.events[right]?.atMs ?? 0));
    for (const index of order) {
      const event = out.events[index];
      if (event === undefined) continue;
      events.push(event);
      labels.push(out.labels[index] ?? null);
    }
  }
  return { options, startMs: cityStartMs, map, cases, events, labels };
}

/** An honest resident binds a new phone in the morning and, often, buys something large the same day. */
function newPhone(random: () => number, map: CityMap, resident: Resident, dayStartMs: number, out: DayOutput): void {
  resident.deviceId = `${resident.id}-phone-${dayStartMs}`;
  resident.credentialId = `${resident.credentialId}-renewed`;
  resident.deviceBoundAtMs = dayStartMs + 7 * 60 * minuteMs;
  if (!chance(random, 0.3)) return;
  const shop = map.online.find((candidate) => candidate.category === shopCategories.electronics) ?? map.online[0];
  if (shop === undefined) return;
  out.events.push(
    purchase(
      resident,
      dayStartMs + randomInt(random, 8 * 60, 21 * 60) * minuteMs,
      shop,
      amountOf(random, shop.category),
    ),
  );
  out.labels.push(null);
}
