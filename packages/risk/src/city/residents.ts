// The city's residents: where they live and work, their concession class, their phone and credential, and the
// events one of them makes to a day's rhythm (commutes with lunch on weekdays, outings on weekends, shopping,
// online orders, now and then a clinic visit).
import { chance, pick, randomInt, type Random } from '@citypass/platform/seeded_random';
import { verifiedPaymentFacts, type Place, type RiskEvent } from '../event.ts';
import { amountOf, distanceKm, rideMinutes, serviceCodes, type CityMap, type Shop, type Station } from './map.ts';

export const minuteMs = 60_000;
export const metroMerchantId = 'metro';
export const maxFareMinor = 600n;
const concessionShares = { student: 0.1, senior: 0.08 } as const;
const concessionFactors: Readonly<Record<string, number>> = { adult: 1, student: 0.5, senior: 0.6 };

export type Resident = {
  readonly id: string;
  deviceId: string;
  credentialId: string;
  deviceBoundAtMs: number;
  readonly home: Station;
  readonly work: Station;
  readonly concession: string;
  readonly commuter: boolean;
};

export function makeResidents(random: Random, map: CityMap, count: number, startMs: number): Resident[] {
  return Array.from({ length: count }, (_, index): Resident => {
    const draw = random();
    const concession =
      draw < concessionShares.student
        ? 'student'
        : draw < concessionShares.student + concessionShares.senior
          ? 'senior'
          : 'adult';
    const home = pick(random, map.stations);
    let work = pick(random, map.stations);
    if (work === home) work = pick(random, map.stations);
    return {
      id: `resident-${index}`,
      deviceId: `device-${index}`,
      credentialId: `credential-${index}`,
      deviceBoundAtMs: startMs - randomInt(random, 30, 700) * 86_400_000,
      home,
      work,
      concession,
      commuter: chance(random, concession === 'senior' ? 0.1 : 0.75),
    };
  });
}

/** What every event of this resident shares; a scenario overrides what it changes. */
export function baseEvent(
  resident: Resident,
  atMs: number,
): Omit<RiskEvent, 'channel' | 'merchantId' | 'category' | 'amountMinor' | 'place'> {
  return {
    atMs,
    residentId: resident.id,
    deviceId: resident.deviceId,
    credentialId: resident.credentialId,
    deviceBoundAtMs: resident.deviceBoundAtMs,
    concession: resident.concession,
    ...verifiedPaymentFacts,
  };
}

export function fareMinor(from: Station, to: Station, concession: string): bigint {
  const full = Math.min(
    600,
    160 + 60 * Math.abs(from.zone - to.zone) + 20 * Math.floor(distanceKm(from.place, to.place) / 3),
  );
  return BigInt(Math.round(full * (concessionFactors[concession] ?? 1)));
}

export function tap(resident: Resident, atMs: number, station: Station, amountMinor: bigint): RiskEvent {
  return {
    ...baseEvent(resident, atMs),
    channel: 'gate',
    merchantId: metroMerchantId,
    category: 'fare',
    amountMinor,
    place: station.place,
    stationId: station.id,
    maxFareMinor,
  };
}

/** Tap in at `from`, tap out at `to` (the fare is charged at tap-out); returns the minute of arrival. */
export function journey(out: RiskEvent[], resident: Resident, atMs: number, from: Station, to: Station): number {
  out.push(tap(resident, atMs, from, 0n));
  const arrivalMs = atMs + Math.round(rideMinutes(from, to) * minuteMs);
  out.push(tap(resident, arrivalMs, to, fareMinor(from, to, resident.concession)));
  return arrivalMs;
}

export function purchase(resident: Resident, atMs: number, shop: Shop, amountMinor: bigint): RiskEvent {
  return {
    ...baseEvent(resident, atMs),
    channel: shop.place === null ? 'online' : 'shop',
    merchantId: shop.id,
    category: shop.category.name,
    amountMinor,
    place: shop.place,
  };
}

function shopNear(random: Random, map: CityMap, station: Station, categories: readonly string[]): Shop | undefined {
  const shops = (map.shopsNear.get(station.id) ?? []).filter((shop) => categories.includes(shop.category.name));
  return shops.length === 0 ? undefined : pick(random, shops);
}

function buyNear(
  random: Random,
  map: CityMap,
  out: RiskEvent[],
  resident: Resident,
  atMs: number,
  station: Station,
  categories: readonly string[],
): void {
  const shop = shopNear(random, map, station, categories);
  if (shop !== undefined) out.push(purchase(resident, atMs, shop, amountOf(random, shop.category)));
}

/** One resident's ordinary day starting at `dayStartMs`. */
export function residentDay(
  random: Random,
  map: CityMap,
  out: RiskEvent[],
  resident: Resident,
  dayStartMs: number,
  weekend: boolean,
): void {
  const at = (fromHour: number, toHour: number) =>
    dayStartMs + Math.round((fromHour + random() * (toHour - fromHour)) * 60) * minuteMs;
  let homeAtMs = dayStartMs + 7 * 60 * minuteMs;
  if (resident.commuter && !weekend) {
    const arrivedMs = journey(out, resident, at(7, 9), resident.home, resident.work);
    if (chance(random, 0.5))
      buyNear(random, map, out, resident, Math.max(arrivedMs + 30 * minuteMs, at(12, 13.5)), resident.work, [
        'cafe',
        'restaurant',
      ]);
    homeAtMs = journey(out, resident, at(17, 19), resident.work, resident.home);
  } else if (chance(random, weekend ? 0.6 : 0.35)) {
    const outing = pick(random, map.stations);
    const arrivedMs = journey(out, resident, at(10, 14), resident.home, outing);
    if (chance(random, 0.7))
      buyNear(random, map, out, resident, arrivedMs + randomInt(random, 10, 90) * minuteMs, outing, [
        'restaurant',
        'clothing',
        'cafe',
        'electronics',
      ]);
    homeAtMs = journey(out, resident, arrivedMs + randomInt(random, 120, 300) * minuteMs, outing, resident.home);
  }
  if (chance(random, 0.3))
    buyNear(random, map, out, resident, Math.max(homeAtMs + 15 * minuteMs, at(18, 20.5)), resident.home, [
      'grocery',
      'pharmacy',
    ]);
  if (chance(random, 0.08)) {
    const shop = pick(random, map.online);
    out.push(purchase(resident, at(8, 23), shop, amountOf(random, shop.category)));
  }
  if (chance(random, 0.004)) clinicVisit(random, map, out, resident, at(9, 16));
}

function clinicVisit(random: Random, map: CityMap, out: RiskEvent[], resident: Resident, atMs: number): void {
  const clinic = map.clinics.find((candidate) => candidate.station === resident.home) ?? pick(random, map.clinics);
  const codes = chance(random, 0.6) ? [serviceCodes[0]] : [serviceCodes[0], pick(random, serviceCodes.slice(1))];
  for (const [index, code] of codes.entries()) {
    if (code === undefined) continue;
    const quantity = randomInt(random, 1, code.maxQuantity);
    out.push(
      clinicLineEvent(
        resident,
        atMs + index * minuteMs,
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

export function clinicLineEvent(
  resident: Resident,
  atMs: number,
  clinicId: string,
  place: Place,
  serviceCode: string,
  quantity: number,
  catalogueMaxQuantity: number,
  priceMinor: number,
): RiskEvent {
  return {
    ...baseEvent(resident, atMs),
    channel: 'clinic',
    merchantId: clinicId,
    category: 'clinic',
    amountMinor: BigInt(priceMinor * quantity),
    place,
    clinicLine: { serviceCode, quantity, catalogueMaxQuantity },
  };
}
