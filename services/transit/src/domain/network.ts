// The network model: stations in one or two zones, lines optional. Pure: built from data, validated once.
import { invalidArgument } from '@citypass/platform/errors';
import { transitReasons } from '@citypass/contracts';

export interface Station {
  readonly id: string;
  readonly name: string;
  /** Usually one zone; a boundary station sits in two and the fare uses whichever is cheaper. */
  readonly zones: readonly number[];
}

export interface Line {
  readonly id: string;
  readonly name: string;
  readonly stationIds: readonly string[];
}

export interface NetworkInput {
  readonly stations: readonly Station[];
  readonly lines?: readonly Line[];
}

export interface Network {
  readonly stations: ReadonlyMap<string, Station>;
  readonly lines: ReadonlyMap<string, Line>;
  /** Every zone some station sits in, ascending. */
  readonly zones: readonly number[];
}

export const maxStations = 10_000;
export const maxZonesPerStation = 2;
const idPattern = /^[A-Za-z0-9._:-]{1,64}$/;

export function createNetwork(input: NetworkInput): Network {
  if (input.stations.length === 0 || input.stations.length > maxStations) {
    throw invalidArgument(transitReasons.NETWORK_SIZE_INVALID, `a network has 1-${maxStations} stations`);
  }
  const stations = new Map<string, Station>();
  for (const station of input.stations) {
    checkStation(station);
    if (stations.has(station.id))
      throw invalidArgument(transitReasons.STATION_DUPLICATE, `station ${station.id} is listed twice`);
    stations.set(station.id, station);
  }
  const lines = new Map<string, Line>();
  for (const line of input.lines ?? []) {
    if (!idPattern.test(line.id))
      throw invalidArgument(transitReasons.LINE_ID_INVALID, 'line ids are 1-64 of [A-Za-z0-9._:-]');
    if (lines.has(line.id)) throw invalidArgument(transitReasons.LINE_DUPLICATE, `line ${line.id} is listed twice`);
    const unknown = line.stationIds.find((stationId) => !stations.has(stationId));
    if (unknown !== undefined)
      throw invalidArgument(transitReasons.LINE_STATION_UNKNOWN, `line ${line.id} calls at unknown station ${unknown}`);
    lines.set(line.id, line);
  }
  const zones = [...new Set(input.stations.flatMap((station) => station.zones))].sort((a, b) => a - b);
  return { stations, lines, zones };
}

function checkStation(station: Station): void {
  if (!idPattern.test(station.id))
    throw invalidArgument(transitReasons.STATION_ID_INVALID, 'station ids are 1-64 of [A-Za-z0-9._:-]');
  if (station.name.trim().length === 0 || station.name.length > 100) {
    throw invalidArgument(
      transitReasons.STATION_NAME_INVALID,
      `station ${station.id} needs a name of 1-100 characters`,
    );
  }
  const zones = station.zones;
  const valid =
    zones.length >= 1 &&
    zones.length <= maxZonesPerStation &&
    new Set(zones).size === zones.length &&
    zones.every(isZone);
  if (!valid)
    throw invalidArgument(
      transitReasons.STATION_ZONES_INVALID,
      `station ${station.id} must sit in one or two distinct zones 1-99`,
    );
}

export function isZone(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 99;
}
