// Fare zones from GTFS Fares v2 areas: an area `zone-<n>` (n 1-99, no leading zero) is zone n, and stop_areas.txt
// puts stations (directly or through a platform) into zones. A station in two zone areas is a boundary station;
// createNetwork refuses more than two, or none. Pure.
import { gtfsError, requiredValue, type GtfsRow } from './table.ts';
import { transitReasons } from '@citypass/contracts';

export interface Zones {
  readonly zoneOfArea: ReadonlyMap<string, number>;
  /** Each station's zones, ascending. */
  readonly zonesOfStation: ReadonlyMap<string, readonly number[]>;
}

const zoneAreaPattern = /^zone-([1-9]\d?)$/;

export function readZones(
  areaRows: readonly GtfsRow[],
  stopAreaRows: readonly GtfsRow[],
  stationOf: ReadonlyMap<string, string>,
): Zones {
  const zoneOfArea = new Map<string, number>();
  for (const row of areaRows) {
    const areaId = requiredValue(row, 'area_id');
    if (zoneOfArea.has(areaId))
      throw gtfsError(transitReasons.GTFS_ID_DUPLICATE, row.where, `area_id ${areaId} is listed twice`);
    const zone = zoneAreaPattern.exec(areaId)?.[1];
    if (zone === undefined)
      throw gtfsError(
        transitReasons.GTFS_AREA_UNSUPPORTED,
        row.where,
        `area_id ${areaId} is not a fare zone written zone-1 to zone-99`,
      );
    zoneOfArea.set(areaId, Number(zone));
  }
  const zoneSets = new Map<string, Set<number>>();
  for (const row of stopAreaRows) {
    const areaId = requiredValue(row, 'area_id');
    const zone = zoneOfArea.get(areaId);
    if (zone === undefined)
      throw gtfsError(transitReasons.GTFS_REFERENCE_UNKNOWN, row.where, `area_id ${areaId} is not in areas.txt`);
    const stopId = requiredValue(row, 'stop_id');
    const stationId = stationOf.get(stopId);
    if (stationId === undefined)
      throw gtfsError(
        transitReasons.GTFS_REFERENCE_UNKNOWN,
        row.where,
        `stop_id ${stopId} is not a station or platform in stops.txt`,
      );
    const zones = zoneSets.get(stationId) ?? new Set<number>();
    zones.add(zone);
    zoneSets.set(stationId, zones);
  }
  const zonesOfStation = new Map(
    [...zoneSets].map(([stationId, zones]) => [stationId, [...zones].sort((a, b) => a - b)]),
  );
  return { zoneOfArea, zonesOfStation };
}
