// GTFS tables: a file of the feed read as rows keyed by the header's column names, with the file and line of each
// row for error messages, and the size limit every file is held to. Pure.
import { transitReasons, type TransitReason } from '@citypass/contracts';
import { invalidArgument, type DomainError } from '@citypass/platform/errors';
import { readCsvRecords } from './csv.ts';

/** The feed's files by name (`stops.txt`), as text. */
export type FeedFiles = ReadonlyMap<string, string>;

export interface GtfsRow {
  readonly where: string;
  readonly values: ReadonlyMap<string, string>;
}

export const maxFileBytes = 10 * 1024 * 1024;

const maxMessageLength = 300;

/** An invalid_argument error whose message starts with the place it was found (`stops.txt:4`); values quoted from
 * the feed may be long, so the message is cut at maxMessageLength. */
/** The reasons a feed is refused with: TRANSIT_ERROR_REASON_GTFS_* in proto/citypass/transit/v1/errors.proto. */
export type GtfsReason = Extract<TransitReason, `GTFS_${string}`>;

export const gtfsError = (reason: GtfsReason, where: string, message: string): DomainError =>
  invalidArgument(reason, `${where}: ${message}`.slice(0, maxMessageLength));

export function fileText(files: FeedFiles, fileName: string): string {
  const text = files.get(fileName);
  if (text === undefined) throw gtfsError(transitReasons.GTFS_FILE_MISSING, fileName, 'the feed has no such file');
  if (Buffer.byteLength(text, 'utf8') > maxFileBytes)
    throw gtfsError(
      transitReasons.GTFS_FILE_TOO_LARGE,
      fileName,
      `the text is above the limit of ${maxFileBytes} bytes`,
    );
  return text;
}

/** The rows of a required table: it must exist and hold at least one row. */
export function readTable(files: FeedFiles, fileName: string): GtfsRow[] {
  const rows = parseTable(fileText(files, fileName), fileName);
  if (rows.length === 0) throw gtfsError(transitReasons.GTFS_FILE_EMPTY, fileName, 'the file has a header but no rows');
  return rows;
}

export function parseTable(text: string, fileName: string): GtfsRow[] {
  const [header, ...records] = readCsvRecords(text, fileName);
  if (header === undefined) throw gtfsError(transitReasons.GTFS_CSV_MALFORMED, `${fileName}:1`, 'no header row');
  const columns = header.fields;
  if (columns.some((column) => column.length === 0) || new Set(columns).size !== columns.length) {
    throw gtfsError(
      transitReasons.GTFS_CSV_MALFORMED,
      `${fileName}:${header.line}`,
      'column names must be present and distinct',
    );
  }
  return records.map((record) => {
    const where = `${fileName}:${record.line}`;
    if (record.fields.length !== columns.length) {
      throw gtfsError(
        transitReasons.GTFS_CSV_MALFORMED,
        where,
        `${record.fields.length} fields where the header has ${columns.length}`,
      );
    }
    return { where, values: new Map(columns.map((column, index) => [column, record.fields[index] ?? ''])) };
  });
}

export function requiredValue(row: GtfsRow, column: string): string {
  const value = row.values.get(column) ?? '';
  if (value.length === 0) throw gtfsError(transitReasons.GTFS_FIELD_MISSING, row.where, `${column} is missing`);
  return value;
}

/** The value, or '' when the column is absent or the field empty (GTFS treats both alike). */
export function optionalValue(row: GtfsRow, column: string): string {
  return row.values.get(column) ?? '';
}
