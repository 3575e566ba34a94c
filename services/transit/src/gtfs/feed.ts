// A GTFS feed (the subset citypass reads) turned into the fare engine's network and fare schedule, plus the gates
// of each station and the service day's time zone. Everything is checked by the domain's own constructors. Pure:
// the files come in as text; load_feed.ts reads them from a directory.
import { createFareSchedule } from '../domain/fare_schedule.ts';
import type { FareSchedule } from '../domain/fare_rules.ts';
import { createNetwork, type Network } from '../domain/network.ts';
import { checkRiderCategories, readZoneFares } from './fares.ts';
import { extensionFileName, readFareExtension } from './fare_extension.ts';
import { lineFiles, readLines } from './lines.ts';
import type { StationPosition } from './stop_position.ts';
import { readStops, type Gate } from './stops.ts';
import { fileText, gtfsError, readTable, requiredValue, type FeedFiles, type GtfsRow } from './table.ts';
import { readZones } from './zones.ts';
import { transitReasons } from '@citypass/contracts';

export type { Gate, StationPosition };

export interface TransitData {
  readonly network: Network;
  /** Every gate (a GTFS entrance/exit), by id. */
  readonly gates: ReadonlyMap<string, Gate>;
  readonly schedule: FareSchedule;
  /** The IANA zone of the service day, from agency.txt. */
  readonly timeZone: string;
  /** Where each station is, for the stations stops.txt gives a stop_lat/stop_lon. */
  readonly stationPositions: ReadonlyMap<string, StationPosition>;
}

/** Every file the loader reads; others in the feed (calendar.txt, ...) are ignored. */
export const feedFileNames: readonly string[] = [
  'agency.txt',
  'stops.txt',
  ...lineFiles,
  'areas.txt',
  'stop_areas.txt',
  'rider_categories.txt',
  'fare_products.txt',
  'fare_leg_rules.txt',
  extensionFileName,
];

export function parseGtfsFeed(files: FeedFiles): TransitData {
  const timeZone = readTimeZone(readTable(files, 'agency.txt'));
  const stops = readStops(readTable(files, 'stops.txt'));
  const zones = readZones(readTable(files, 'areas.txt'), readTable(files, 'stop_areas.txt'), stops.stationOf);
  const network = createNetwork({
    stations: stops.stations.map(({ id, name }) => ({ id, name, zones: zones.zonesOfStation.get(id) ?? [] })),
    lines: readLines(files, stops.stationOf),
  });
  checkRiderCategories(readTable(files, 'rider_categories.txt'));
  const fares = readZoneFares(
    readTable(files, 'fare_products.txt'),
    readTable(files, 'fare_leg_rules.txt'),
    zones.zoneOfArea,
  );
  const extension = readFareExtension(fileText(files, extensionFileName), fares.currency);
  const schedule = createFareSchedule(
    {
      currency: fares.currency,
      serviceDay: { timeZone: { kind: 'iana', name: timeZone }, startMinuteOfDay: extension.startMinuteOfDay },
      versions: [{ ...extension.rules, zoneFares: fares.zoneFares }],
    },
    network,
  );
  const stationPositions = new Map(
    stops.stations.flatMap(({ id, position }) => (position === undefined ? [] : [[id, position] as const])),
  );
  return { network, gates: stops.gates, schedule, timeZone, stationPositions };
}

/** GTFS requires every agency of a feed to share one time zone. */
function readTimeZone(rows: readonly GtfsRow[]): string {
  let timeZone: string | undefined;
  for (const row of rows) {
    const rowZone = requiredValue(row, 'agency_timezone');
    timeZone ??= rowZone;
    if (rowZone !== timeZone)
      throw gtfsError(
        transitReasons.GTFS_TIMEZONE_CONFLICT,
        row.where,
        `agency_timezone ${rowZone} where another agency has ${timeZone}`,
      );
  }
  if (timeZone === undefined) throw gtfsError(transitReasons.GTFS_FILE_EMPTY, 'agency.txt', 'no agency');
  return timeZone;
}
