// The city's places: metro stations with coordinates and zones, shops near stations by category, online merchants
// and clinics with a service catalogue. Built from a seeded random source, so one seed is one city.
import { chance, pick, type Random } from '@citypass/platform/seeded_random';
import type { Place } from '../event.ts';

export const citySizeKm = 20;

export type Station = { readonly id: string; readonly place: Place; readonly zone: number };
export type ShopCategory = { readonly name: string; readonly medianMinor: number; readonly spread: number };
export type Shop = {
  readonly id: string;
  readonly category: ShopCategory;
  readonly station: Station;
  readonly place: Place | null;
};
export type ServiceCode = { readonly code: string; readonly priceMinor: number; readonly maxQuantity: number };
export type Clinic = { readonly id: string; readonly station: Station; readonly place: Place };

export const shopCategories = {
  grocery: { name: 'grocery', medianMinor: 2_500, spread: 0.6 },
  cafe: { name: 'cafe', medianMinor: 450, spread: 0.3 },
  restaurant: { name: 'restaurant', medianMinor: 1_800, spread: 0.4 },
  pharmacy: { name: 'pharmacy', medianMinor: 1_200, spread: 0.6 },
  clothing: { name: 'clothing', medianMinor: 6_000, spread: 0.6 },
  electronics: { name: 'electronics', medianMinor: 15_000, spread: 0.8 },
  online: { name: 'online', medianMinor: 4_000, spread: 0.9 },
} as const satisfies Record<string, ShopCategory>;

export const serviceCodes: readonly ServiceCode[] = [
  { code: 'GP_VISIT', priceMinor: 3_500, maxQuantity: 1 },
  { code: 'BLOOD_TEST', priceMinor: 1_500, maxQuantity: 3 },
  { code: 'XRAY', priceMinor: 6_000, maxQuantity: 2 },
  { code: 'MRI', priceMinor: 40_000, maxQuantity: 1 },
  { code: 'PHYSIO', priceMinor: 4_500, maxQuantity: 2 },
];

export type CityMap = {
  readonly stations: readonly Station[];
  readonly shops: readonly Shop[];
  /** Shops by station id, for buying near where a resident is. */
  readonly shopsNear: ReadonlyMap<string, readonly Shop[]>;
  readonly online: readonly Shop[];
  readonly clinics: readonly Clinic[];
};

export function buildMap(random: Random, stationCount: number, shopCount: number, clinicCount: number): CityMap {
  const centre = citySizeKm / 2;
  const stations = Array.from({ length: stationCount }, (_, index): Station => {
    const place = { xKm: random() * citySizeKm, yKm: random() * citySizeKm };
    const zone = 1 + Math.floor(Math.hypot(place.xKm - centre, place.yKm - centre) / 4);
    return { id: `station-${index}`, place, zone };
  });
  const storeCategories = [
    shopCategories.grocery,
    shopCategories.cafe,
    shopCategories.cafe,
    shopCategories.restaurant,
    shopCategories.restaurant,
    shopCategories.pharmacy,
    shopCategories.clothing,
    shopCategories.electronics,
  ];
  const shops = Array.from({ length: shopCount }, (_, index): Shop => {
    const station = pick(random, stations);
    return {
      id: `shop-${index}`,
      category: pick(random, storeCategories),
      station,
      place: near(random, station.place),
    };
  });
  const shopsNear = new Map<string, Shop[]>();
  for (const shop of shops) shopsNear.set(shop.station.id, [...(shopsNear.get(shop.station.id) ?? []), shop]);
  const online = Array.from(
    { length: 20 },
    (_, index): Shop => ({
      id: `web-${index}`,
      category: chance(random, 0.2) ? shopCategories.electronics : shopCategories.online,
      station: pick(random, stations),
      place: null,
    }),
  );
  const clinics = Array.from({ length: clinicCount }, (_, index): Clinic => {
    const station = pick(random, stations);
    return { id: `clinic-${index}`, station, place: near(random, station.place) };
  });
  return { stations, shops, shopsNear, online, clinics };
}

/** A point within about half a kilometre of `place`. */
export function near(random: Random, place: Place): Place {
  return { xKm: place.xKm + (random() - 0.5), yKm: place.yKm + (random() - 0.5) };
}

export function distanceKm(from: Place, to: Place): number {
  return Math.hypot(from.xKm - to.xKm, from.yKm - to.yKm);
}

/** Minutes from one station to another on the metro: 30 km/h plus waiting and walking. */
export function rideMinutes(from: Station, to: Station): number {
  return 6 + (distanceKm(from.place, to.place) / 30) * 60;
}

/** An amount of the category's kind: log-normal around its median. */
export function amountOf(random: Random, category: ShopCategory, scale = 1): bigint {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return BigInt(Math.max(50, Math.round(category.medianMinor * scale * Math.exp(category.spread * normal))));
}
