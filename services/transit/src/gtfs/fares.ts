// Zone fares from GTFS Fares v2: rider_categories.txt names the concession classes (the id is the class, and the
// default category is adult), fare_products.txt prices a product per category (an empty rider_category_id prices
// it for all), fare_leg_rules.txt gives one product per zone pair, either direction. Pure.
import { concessionClasses, type ByConcession, type ConcessionClass } from '../domain/concession.ts';
import type { ZoneFare } from '../domain/fare_rules.ts';
import { zonePairKey } from '../domain/zone_fare.ts';
import { amountMinor } from './amount.ts';
import { gtfsError, optionalValue, requiredValue, type GtfsRow } from './table.ts';
import { transitReasons } from '@citypass/contracts';

export interface ZoneFares {
  readonly currency: string;
  /** Ascending by zone pair, each written with fromZone <= toZone. */
  readonly zoneFares: readonly ZoneFare[];
}

type ProductAmounts = Map<string, Partial<Record<ConcessionClass, bigint>>>;

const unsupportedLegColumns = ['network_id', 'from_timeframe_group_id', 'to_timeframe_group_id'];

function concessionOf(id: string): ConcessionClass | undefined {
  return concessionClasses.find((concession) => concession === id);
}

export function checkRiderCategories(rows: readonly GtfsRow[]): void {
  const seen = new Set<ConcessionClass>();
  for (const row of rows) {
    const id = requiredValue(row, 'rider_category_id');
    const concession = concessionOf(id);
    if (concession === undefined)
      throw gtfsError(
        transitReasons.GTFS_RIDER_CATEGORY_UNKNOWN,
        row.where,
        `rider_category_id ${id} is not one of ${concessionClasses.join(', ')}`,
      );
    if (seen.has(concession))
      throw gtfsError(transitReasons.GTFS_ID_DUPLICATE, row.where, `rider_category_id ${id} is listed twice`);
    seen.add(concession);
    const isDefault = optionalValue(row, 'is_default_fare_category');
    if (!['', '0', '1'].includes(isDefault))
      throw gtfsError(transitReasons.GTFS_FIELD_INVALID, row.where, 'is_default_fare_category is 0, 1 or empty');
    if ((isDefault === '1') !== (concession === 'adult')) {
      throw gtfsError(
        transitReasons.GTFS_RIDER_CATEGORY_DEFAULT,
        row.where,
        'adult, and only adult, has is_default_fare_category=1',
      );
    }
  }
  const missing = concessionClasses.find((concession) => !seen.has(concession));
  if (missing !== undefined)
    throw gtfsError(transitReasons.GTFS_RIDER_CATEGORY_MISSING, 'rider_categories.txt', `no rider category ${missing}`);
}

function readFareProducts(rows: readonly GtfsRow[]): { currency: string; products: ProductAmounts } {
  const products: ProductAmounts = new Map();
  let currency: string | undefined;
  for (const row of rows) {
    const productId = requiredValue(row, 'fare_product_id');
    const rowCurrency = requiredValue(row, 'currency');
    currency ??= rowCurrency;
    if (rowCurrency !== currency)
      throw gtfsError(
        transitReasons.GTFS_CURRENCY_CONFLICT,
        row.where,
        `currency ${rowCurrency} where the feed uses ${currency}`,
      );
    const amount = amountMinor(requiredValue(row, 'amount'), currency, row.where);
    const categoryId = optionalValue(row, 'rider_category_id');
    const concession = concessionOf(categoryId);
    if (categoryId !== '' && concession === undefined)
      throw gtfsError(
        transitReasons.GTFS_REFERENCE_UNKNOWN,
        row.where,
        `rider_category_id ${categoryId} is not in rider_categories.txt`,
      );
    const amounts = products.get(productId) ?? {};
    for (const priced of concession === undefined ? concessionClasses : [concession]) {
      if (amounts[priced] !== undefined)
        throw gtfsError(
          transitReasons.GTFS_ID_DUPLICATE,
          row.where,
          `fare product ${productId} is priced twice for ${priced}`,
        );
      amounts[priced] = amount;
    }
    products.set(productId, amounts);
  }
  if (currency === undefined) throw gtfsError(transitReasons.GTFS_FILE_EMPTY, 'fare_products.txt', 'no fare products');
  return { currency, products };
}

export function readZoneFares(
  productRows: readonly GtfsRow[],
  legRows: readonly GtfsRow[],
  zoneOfArea: ReadonlyMap<string, number>,
): ZoneFares {
  const { currency, products } = readFareProducts(productRows);
  const zoneFares = new Map<string, ZoneFare>();
  for (const row of legRows) {
    const unsupported = unsupportedLegColumns.find((column) => optionalValue(row, column) !== '');
    if (unsupported !== undefined)
      throw gtfsError(
        transitReasons.GTFS_FIELD_UNSUPPORTED,
        row.where,
        `${unsupported} is not supported: fares depend on zones only`,
      );
    const first = zoneOfColumn(row, 'from_area_id', zoneOfArea);
    const second = zoneOfColumn(row, 'to_area_id', zoneOfArea);
    const [fromZone, toZone] = first <= second ? [first, second] : [second, first];
    const key = zonePairKey(fromZone, toZone);
    if (zoneFares.has(key))
      throw gtfsError(
        transitReasons.GTFS_ID_DUPLICATE,
        row.where,
        `zones ${key} are priced twice (one row covers both directions)`,
      );
    zoneFares.set(key, {
      fromZone,
      toZone,
      fareMinor: productFares(products, requiredValue(row, 'fare_product_id'), row.where),
    });
  }
  const sorted = [...zoneFares.values()].sort((a, b) => a.fromZone - b.fromZone || a.toZone - b.toZone);
  return { currency, zoneFares: sorted };
}

function zoneOfColumn(row: GtfsRow, column: string, zoneOfArea: ReadonlyMap<string, number>): number {
  const areaId = requiredValue(row, column);
  const zone = zoneOfArea.get(areaId);
  if (zone === undefined)
    throw gtfsError(transitReasons.GTFS_REFERENCE_UNKNOWN, row.where, `${column} ${areaId} is not in areas.txt`);
  return zone;
}

function productFares(products: ProductAmounts, productId: string, where: string): ByConcession<bigint> {
  const amounts = products.get(productId);
  if (amounts === undefined)
    throw gtfsError(
      transitReasons.GTFS_REFERENCE_UNKNOWN,
      where,
      `fare_product_id ${productId} is not in fare_products.txt`,
    );
  const { adult, child, senior, student } = amounts;
  if (adult === undefined || child === undefined || senior === undefined || student === undefined) {
    const missing = concessionClasses.filter((concession) => amounts[concession] === undefined).join(', ');
    throw gtfsError(
      transitReasons.GTFS_FARE_PRODUCT_INCOMPLETE,
      where,
      `fare product ${productId} has no amount for ${missing}`,
    );
  }
  return { adult, child, senior, student };
}
