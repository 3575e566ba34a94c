// Lines from routes.txt, trips.txt and stop_times.txt, which are optional together: each route is a line calling
// at the stations of its first trip (in trips.txt order), by stop_sequence, platforms mapped to their station.
// Every stop_times row is checked, though only first trips are kept. Pure.
import type { Line } from '../domain/network.ts';
import { gtfsError, optionalValue, readTable, requiredValue, type FeedFiles, type GtfsRow } from './table.ts';
import { transitReasons } from '@citypass/contracts';

export const lineFiles = ['routes.txt', 'trips.txt', 'stop_times.txt'] as const;

interface Call {
  readonly sequence: number;
  readonly stationId: string;
  readonly where: string;
}

export function readLines(files: FeedFiles, stationOf: ReadonlyMap<string, string>): Line[] {
  if (lineFiles.every((fileName) => !files.has(fileName))) return [];
  const routes = new Map<string, { name: string; where: string }>();
  for (const row of readTable(files, 'routes.txt')) {
    const routeId = requiredValue(row, 'route_id');
    if (routes.has(routeId))
      throw gtfsError(transitReasons.GTFS_ID_DUPLICATE, row.where, `route_id ${routeId} is listed twice`);
    const name = optionalValue(row, 'route_long_name') || requiredValue(row, 'route_short_name');
    routes.set(routeId, { name, where: row.where });
  }
  const trips = readTrips(readTable(files, 'trips.txt'), routes);
  const calls = callsOfTrips(readTable(files, 'stop_times.txt'), trips, stationOf);
  return [...routes].map(([routeId, route]) => {
    const tripId = trips.firstOfRoute.get(routeId);
    if (tripId === undefined)
      throw gtfsError(
        transitReasons.GTFS_ROUTE_WITHOUT_TRIPS,
        route.where,
        `route ${routeId} has no trip in trips.txt`,
      );
    const tripCalls = (calls.get(tripId) ?? []).sort((a, b) => a.sequence - b.sequence);
    if (tripCalls.length === 0)
      throw gtfsError(
        transitReasons.GTFS_TRIP_WITHOUT_STOPS,
        route.where,
        `trip ${tripId} of route ${routeId} has no stop_times`,
      );
    tripCalls.forEach((call, index) => {
      if (call.sequence === tripCalls[index - 1]?.sequence)
        throw gtfsError(
          transitReasons.GTFS_ID_DUPLICATE,
          call.where,
          `stop_sequence ${call.sequence} repeats in trip ${tripId}`,
        );
    });
    return { id: routeId, name: route.name, stationIds: tripCalls.map((call) => call.stationId) };
  });
}

interface Trips {
  readonly ids: ReadonlySet<string>;
  /** The first trip of each route, by route_id. */
  readonly firstOfRoute: ReadonlyMap<string, string>;
}

function readTrips(rows: readonly GtfsRow[], routes: ReadonlyMap<string, unknown>): Trips {
  const ids = new Set<string>();
  const firstOfRoute = new Map<string, string>();
  for (const row of rows) {
    const tripId = requiredValue(row, 'trip_id');
    const routeId = requiredValue(row, 'route_id');
    if (ids.has(tripId))
      throw gtfsError(transitReasons.GTFS_ID_DUPLICATE, row.where, `trip_id ${tripId} is listed twice`);
    if (!routes.has(routeId))
      throw gtfsError(transitReasons.GTFS_REFERENCE_UNKNOWN, row.where, `route_id ${routeId} is not in routes.txt`);
    ids.add(tripId);
    if (!firstOfRoute.has(routeId)) firstOfRoute.set(routeId, tripId);
  }
  return { ids, firstOfRoute };
}

function callsOfTrips(
  rows: readonly GtfsRow[],
  trips: Trips,
  stationOf: ReadonlyMap<string, string>,
): Map<string, Call[]> {
  const kept = new Set(trips.firstOfRoute.values());
  const calls = new Map<string, Call[]>();
  for (const row of rows) {
    const tripId = requiredValue(row, 'trip_id');
    if (!trips.ids.has(tripId))
      throw gtfsError(transitReasons.GTFS_REFERENCE_UNKNOWN, row.where, `trip_id ${tripId} is not in trips.txt`);
    const stopId = requiredValue(row, 'stop_id');
    const stationId = stationOf.get(stopId);
    if (stationId === undefined)
      throw gtfsError(
        transitReasons.GTFS_REFERENCE_UNKNOWN,
        row.where,
        `stop_id ${stopId} is not a station or platform in stops.txt`,
      );
    const sequenceText = requiredValue(row, 'stop_sequence');
    if (!/^\d{1,9}$/.test(sequenceText))
      throw gtfsError(transitReasons.GTFS_FIELD_INVALID, row.where, 'stop_sequence is a non-negative integer');
    if (!kept.has(tripId)) continue;
    const tripCalls = calls.get(tripId) ?? [];
    tripCalls.push({ sequence: Number(sequenceText), stationId, where: row.where });
    calls.set(tripId, tripCalls);
  }
  return calls;
}
