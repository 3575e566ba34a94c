// Stations, gates and platforms from stops.txt. A station is location_type 1; an entrance/exit (2) is a gate of its
// parent station; a platform (0 or empty, with a parent station) only maps stop_times and stop_areas to its
// station. Generic nodes (3) and boarding areas (4) are ignored. Every station needs at least one gate. A station's
// stop_lat/stop_lon, when given, is its position (stop_position.ts). Pure.
import { gtfsError, optionalValue, requiredValue, type GtfsRow } from './table.ts';
import { transitReasons } from '@citypass/contracts';
import { readStationPosition, type StationPosition } from './stop_position.ts';

export interface Gate {
  readonly id: string;
  readonly stationId: string;
  readonly name: string;
}

export interface StationStop {
  readonly id: string;
  readonly name: string;
  readonly where: string;
  /** Undefined when the feed gives the station no stop_lat/stop_lon. */
  readonly position: StationPosition | undefined;
}

export interface Stops {
  /** In file order; checked by createNetwork. */
  readonly stations: readonly StationStop[];
  readonly gates: ReadonlyMap<string, Gate>;
  /** The station of each station and platform, by stop_id. */
  readonly stationOf: ReadonlyMap<string, string>;
}

interface ChildStop {
  readonly id: string;
  readonly parent: string;
  readonly row: GtfsRow;
  readonly gateName?: string;
}

/** The same ids the domain takes for stations: gate ids appear in gate credentials and taps. */
const gateIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

export function readStops(rows: readonly GtfsRow[]): Stops {
  const stations: StationStop[] = [];
  const children: ChildStop[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const id = requiredValue(row, 'stop_id');
    if (seen.has(id)) throw gtfsError(transitReasons.GTFS_ID_DUPLICATE, row.where, `stop_id ${id} is listed twice`);
    seen.add(id);
    const parent = optionalValue(row, 'parent_station');
    const locationType = optionalValue(row, 'location_type');
    if (locationType === '1') {
      if (parent !== '')
        throw gtfsError(transitReasons.GTFS_FIELD_INVALID, row.where, `station ${id} must not have a parent_station`);
      stations.push({
        id,
        name: requiredValue(row, 'stop_name'),
        where: row.where,
        position: readStationPosition(row, id),
      });
    } else if (locationType === '2') {
      children.push({
        id,
        parent: requiredValue(row, 'parent_station'),
        row,
        gateName: requiredValue(row, 'stop_name'),
      });
    } else if (locationType === '0' || locationType === '') {
      if (parent === '')
        throw gtfsError(
          transitReasons.GTFS_STOP_UNSUPPORTED,
          row.where,
          `stop ${id} has no parent_station: fares are priced between stations`,
        );
      children.push({ id, parent, row });
    } else if (locationType !== '3' && locationType !== '4') {
      throw gtfsError(transitReasons.GTFS_FIELD_INVALID, row.where, `location_type ${locationType} is not 0-4`);
    }
  }
  return linkChildren(stations, children);
}

function linkChildren(stations: readonly StationStop[], children: readonly ChildStop[]): Stops {
  const stationIds = new Set(stations.map((station) => station.id));
  const stationOf = new Map(stations.map((station) => [station.id, station.id]));
  const gates = new Map<string, Gate>();
  for (const child of children) {
    if (!stationIds.has(child.parent)) {
      throw gtfsError(
        transitReasons.GTFS_REFERENCE_UNKNOWN,
        child.row.where,
        `parent_station ${child.parent} is not a station (location_type 1)`,
      );
    }
    if (child.gateName === undefined) {
      stationOf.set(child.id, child.parent);
      continue;
    }
    if (!gateIdPattern.test(child.id))
      throw gtfsError(transitReasons.GTFS_FIELD_INVALID, child.row.where, 'gate ids are 1-64 of [A-Za-z0-9._:-]');
    if (child.gateName.trim().length === 0 || child.gateName.length > 100) {
      throw gtfsError(
        transitReasons.GTFS_FIELD_INVALID,
        child.row.where,
        `gate ${child.id} needs a name of 1-100 characters`,
      );
    }
    gates.set(child.id, { id: child.id, stationId: child.parent, name: child.gateName });
  }
  const gated = new Set([...gates.values()].map((gate) => gate.stationId));
  const ungated = stations.find((station) => !gated.has(station.id));
  if (ungated !== undefined)
    throw gtfsError(
      transitReasons.GTFS_STATION_WITHOUT_GATES,
      ungated.where,
      `station ${ungated.id} has no entrance/exit (location_type 2)`,
    );
  return { stations, gates, stationOf };
}
