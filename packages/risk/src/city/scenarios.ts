// The labelled frauds woven into the city's days. Each case is planned up front from the seed (half of them in the
// tuning days, half in the test days) and adds or rewrites events on its day.
import { chance, pick, randomInt, type Random } from '@citypass/platform/seeded_random';
import type { RiskEvent } from '../event.ts';
import { amountOf, distanceKm, serviceCodes, shopCategories, type CityMap, type Shop } from './map.ts';
import { baseEvent, clinicLineEvent, journey, minuteMs, purchase, type Resident } from './residents.ts';

export const scenarios = [
  'stolen_phone',
  'cloned_credential',
  'compromised_shop',
  'phantom_clinic',
  'concession_abuse',
  'shared_device',
] as const;
export type Scenario = (typeof scenarios)[number];
export type Label = { readonly scenario: Scenario; readonly caseId: number };

export type Case = {
  readonly scenario: Scenario;
  readonly caseId: number;
  readonly day: number;
  readonly resident: Resident;
  readonly shop: Shop;
  readonly members: readonly Resident[];
};

/** Plans every case: which day, whom and where. */
export function planCases(random: Random, map: CityMap, residents: readonly Resident[], days: number): Case[] {
  const counts: Record<Scenario, number> = {
    stolen_phone: Math.max(4, Math.round(residents.length / 100)),
    cloned_credential: Math.max(4, Math.round(residents.length / 150)),
    compromised_shop: 8,
    phantom_clinic: 2,
    concession_abuse: Math.max(4, Math.round(residents.length / 120)),
    shared_device: 4,
  };
  const cases: Case[] = [];
  const adults = residents.filter((resident) => resident.concession === 'adult' && resident.commuter);
  for (const scenario of scenarios) {
    for (let index = 0; index < counts[scenario]; index += 1) {
      const day =
        index % 2 === 0
          ? randomInt(random, 2, Math.min(58, days - 1))
          : randomInt(random, Math.max(0, days - 20), days - 3);
      const resident = pick(random, scenario === 'concession_abuse' ? adults : residents);
      const memberCount =
        { shared_device: randomInt(random, 12, 20), compromised_shop: 80, phantom_clinic: 20 }[scenario as string] ?? 0;
      const members = Array.from({ length: memberCount }, () => pick(random, residents));
      cases.push({ scenario, caseId: cases.length, day, resident, shop: pick(random, map.shops), members });
    }
  }
  return cases;
}

export type DayOutput = { readonly events: RiskEvent[]; readonly labels: (Label | null)[] };

/** Adds the events of `case_` on `day` (its first day or a later one, never earlier) to `out`. */
export function playCase(
  random: Random,
  map: CityMap,
  case_: Case,
  day: number,
  dayStartMs: number,
  out: DayOutput,
): void {
  const label: Label = { scenario: case_.scenario, caseId: case_.caseId };
  const add = (event: RiskEvent) => {
    out.events.push(event);
    out.labels.push(label);
  };
  const offset = day - case_.day;
  switch (case_.scenario) {
    case 'stolen_phone':
      if (offset <= 1) stolenPhone(random, map, case_, offset, dayStartMs, add);
      return;
    case 'cloned_credential':
      if (offset <= 2) clonedCredential(random, map, case_, dayStartMs, out, add);
      return;
    case 'compromised_shop':
      if (offset === 0) compromisedShop(random, case_, dayStartMs, add);
      return;
    case 'phantom_clinic':
      if (offset < 12) phantomClinic(random, map, case_, dayStartMs, add);
      return;
    case 'concession_abuse':
      concessionAbuse(case_, out);
      return;
    case 'shared_device':
      if (offset < 4) sharedDevice(random, map, case_, dayStartMs, dayStartMs - offset * 86_400_000, add);
      return;
  }
}

/** A thief binds the victim's account to a new phone and spends fast; the next day the credential is revoked. */
function stolenPhone(
  random: Random,
  map: CityMap,
  case_: Case,
  offset: number,
  dayStartMs: number,
  add: (event: RiskEvent) => void,
): void {
  const startMs = dayStartMs + randomInt(random, 10, 19) * 60 * minuteMs;
  const thief = {
    ...case_.resident,
    deviceId: `stolen-device-${case_.caseId}`,
    credentialId: `stolen-credential-${case_.caseId}`,
    deviceBoundAtMs: startMs - randomInt(random, 5, 60) * minuteMs,
  };
  const station = pick(random, map.stations);
  const shops = [
    ...(map.shopsNear.get(station.id) ?? []),
    ...map.online.filter((shop) => shop.category === shopCategories.electronics),
  ];
  let atMs = startMs;
  for (let attempt = 0; attempt < (offset === 0 ? 10 : 3); attempt += 1) {
    const shop = pick(random, shops);
    add({ ...purchase(thief, atMs, shop, amountOf(random, shop.category, 1.5)), credentialRevoked: offset > 0 });
    atMs += randomInt(random, 4, 25) * minuteMs;
  }
}

/** A copy of the credential (key extracted) rides far from where the resident just tapped. */
function clonedCredential(
  random: Random,
  map: CityMap,
  case_: Case,
  dayStartMs: number,
  out: DayOutput,
  add: (event: RiskEvent) => void,
): void {
  const resident = case_.resident;
  const realTaps = out.events.filter(
    (event, index) => event.residentId === resident.id && event.channel === 'gate' && out.labels[index] === null,
  );
  const anchors =
    realTaps.length === 0
      ? [{ atMs: dayStartMs + 12 * 60 * minuteMs, place: resident.home.place }]
      : realTaps.filter((_, index) => index % 2 === 0);
  for (const anchor of anchors) {
    const far = map.stations.filter((station) => anchor.place !== null && distanceKm(station.place, anchor.place) > 8);
    if (far.length === 0) continue;
    const events: RiskEvent[] = [];
    journey(
      events,
      resident,
      anchor.atMs + randomInt(random, 3, 15) * minuteMs,
      pick(random, far),
      pick(random, map.stations),
    );
    for (const event of events) add({ ...event, presentationReplayed: chance(random, 0.15) });
  }
}

/** A shop's terminal runs a card-testing burst: many small payments from residents new to it, within an hour. */
function compromisedShop(random: Random, case_: Case, dayStartMs: number, add: (event: RiskEvent) => void): void {
  const members = case_.members;
  let atMs = dayStartMs + randomInt(random, 9, 21) * 60 * minuteMs;
  const count = randomInt(random, 40, 80);
  for (let index = 0; index < count; index += 1) {
    const victim = members[index] ?? case_.resident;
    const event = purchase(victim, atMs, case_.shop, BigInt(randomInt(random, 100, 300)));
    add({ ...event, deviceKeyMatches: !chance(random, 0.3), presentationReplayed: chance(random, 0.2) });
    atMs += randomInt(random, 20, 90) * 1_000;
  }
}

/** A clinic bills services nobody received: expensive codes, quantities above the catalogue, lines twice. */
function phantomClinic(
  random: Random,
  map: CityMap,
  case_: Case,
  dayStartMs: number,
  add: (event: RiskEvent) => void,
): void {
  const clinic = map.clinics[case_.caseId % map.clinics.length] ?? map.clinics[0];
  if (clinic === undefined) return;
  const count = randomInt(random, 6, 10);
  for (let index = 0; index < count; index += 1) {
    const patient = case_.members[index] ?? case_.resident;
    const code = pick(
      random,
      serviceCodes.filter((service) => service.code !== 'GP_VISIT'),
    );
    const quantity = chance(random, 0.2) ? code.maxQuantity + 1 : randomInt(random, 1, code.maxQuantity);
    const atMs = dayStartMs + randomInt(random, 9 * 60, 17 * 60) * minuteMs;
    add(
      clinicLineEvent(patient, atMs, clinic.id, clinic.place, code.code, quantity, code.maxQuantity, code.priceMinor),
    );
    if (chance(random, 0.3))
      add(
        clinicLineEvent(
          patient,
          atMs + 5 * minuteMs,
          clinic.id,
          clinic.place,
          code.code,
          quantity,
          code.maxQuantity,
          code.priceMinor,
        ),
      );
  }
}

/** An adult's taps present a student concession from the case's day on; those taps become labelled. */
function concessionAbuse(case_: Case, out: DayOutput): void {
  const resident = case_.resident;
  for (const [index, event] of out.events.entries()) {
    if (event.residentId !== resident.id || event.channel !== 'gate' || out.labels[index] !== null) continue;
    // A student pays half the adult fare (tap-ins carry no fare).
    out.events[index] = { ...event, concession: 'student', amountMinor: event.amountMinor / 2n };
    out.labels[index] = { scenario: 'concession_abuse', caseId: case_.caseId };
  }
}

/** One phone carries the credentials of many residents (a mule farm) and pays online for each. */
function sharedDevice(
  random: Random,
  map: CityMap,
  case_: Case,
  dayStartMs: number,
  firstDayStartMs: number,
  add: (event: RiskEvent) => void,
): void {
  const deviceId = `farm-device-${case_.caseId}`;
  for (const member of case_.members) {
    const atMs = dayStartMs + randomInt(random, 9 * 60, 22 * 60) * minuteMs;
    const shop = pick(random, map.online);
    add({
      ...baseEvent(member, atMs),
      deviceId,
      credentialId: `farm-credential-${case_.caseId}-${member.id}`,
      deviceBoundAtMs: firstDayStartMs + 8 * 60 * minuteMs,
      channel: 'online',
      merchantId: shop.id,
      category: shop.category.name,
      amountMinor: amountOf(random, shop.category, 2),
      place: null,
    });
  }
}
