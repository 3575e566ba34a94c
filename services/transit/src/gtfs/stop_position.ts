// A station's position from stops.txt's stop_lat/stop_lon (WGS 84 decimal degrees), as integer microdegrees: the
// form TapRecorded carries (citypass.common.v1.GeoPoint), so followers judging travel between places (the wallet's
// risk engine) learn where each tap happened from the feed itself. GTFS requires both for a station; a feed
// without them still loads (its taps carry no position), but one without the other, or a value that is not a
// latitude or longitude, is refused with the row named. Pure.
import { transitReasons } from '@citypass/contracts';
import type { DomainError } from '@citypass/platform/errors';
import { gtfsError, optionalValue, type GtfsRow } from './table.ts';

export interface StationPosition {
  readonly latitudeMicrodegrees: number;
  readonly longitudeMicrodegrees: number;
}

/** A decimal number of degrees, as GTFS writes it: an optional sign, digits, an optional fraction. */
const degreesPattern = /^[-+]?[0-9]{1,3}(?:\.[0-9]{1,12})?$/;

/** The position of `stationId`'s row; undefined when it has neither stop_lat nor stop_lon. */
export function readStationPosition(row: GtfsRow, stationId: string): StationPosition | undefined {
  const latitude = optionalValue(row, 'stop_lat').trim();
  const longitude = optionalValue(row, 'stop_lon').trim();
  if (latitude === '' && longitude === '') return undefined;
  if (latitude === '' || longitude === '')
    throw invalid(row, `station ${stationId} needs both stop_lat and stop_lon, or neither`);
  return {
    latitudeMicrodegrees: microdegrees(row, stationId, 'stop_lat', latitude, 90),
    longitudeMicrodegrees: microdegrees(row, stationId, 'stop_lon', longitude, 180),
  };
}

function microdegrees(row: GtfsRow, stationId: string, column: string, text: string, limit: number): number {
  const degrees = Number(text);
  if (!degreesPattern.test(text) || !(Math.abs(degrees) <= limit))
    throw invalid(
      row,
      `station ${stationId}'s ${column} ${JSON.stringify(text)} is not decimal degrees from -${limit} to ${limit}`,
    );
  return Math.round(degrees * 1_000_000);
}

const invalid = (row: GtfsRow, message: string): DomainError =>
  gtfsError(transitReasons.GTFS_FIELD_INVALID, row.where, message);
