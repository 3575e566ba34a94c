// A small RFC 4180 CSV reader for GTFS files: quoted fields, doubled quotes, CRLF or LF line ends, a UTF-8 byte
// order mark, blank lines skipped. Returns raw records with the line each one starts on; no trimming. Pure.
import { invalidArgument, type DomainError } from '@citypass/platform/errors';
import { transitReasons } from '@citypass/contracts';

export interface CsvRecord {
  /** The 1-based line the record starts on (a quoted field may span lines). */
  readonly line: number;
  readonly fields: readonly string[];
}

interface Cursor {
  index: number;
  line: number;
}

const malformed = (fileName: string, line: number, message: string): DomainError =>
  invalidArgument(transitReasons.GTFS_CSV_MALFORMED, `${fileName}:${line}: ${message}`);

export function readCsvRecords(text: string, fileName: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const cursor: Cursor = { index: text.startsWith('\uFEFF') ? 1 : 0, line: 1 };
  while (cursor.index < text.length) {
    if (endOfLine(text, cursor)) continue;
    const line = cursor.line;
    const fields: string[] = [];
    for (;;) {
      fields.push(
        text[cursor.index] === '"' ? quotedField(text, cursor, fileName) : plainField(text, cursor, fileName),
      );
      if (text[cursor.index] === ',') {
        cursor.index += 1;
      } else if (cursor.index >= text.length || endOfLine(text, cursor)) {
        break;
      } else {
        throw malformed(fileName, cursor.line, 'a quoted field is followed by text, or a line ends with a bare CR');
      }
    }
    records.push({ line, fields });
  }
  return records;
}

/** Steps over LF or CRLF at the cursor; false if there is none. */
function endOfLine(text: string, cursor: Cursor): boolean {
  const width = text[cursor.index] === '\n' ? 1 : text.startsWith('\r\n', cursor.index) ? 2 : 0;
  if (width === 0) return false;
  cursor.index += width;
  cursor.line += 1;
  return true;
}

function plainField(text: string, cursor: Cursor, fileName: string): string {
  let end = cursor.index;
  while (end < text.length && !',\r\n"'.includes(text.charAt(end))) end += 1;
  if (text[end] === '"') throw malformed(fileName, cursor.line, 'a quote inside an unquoted field');
  const value = text.slice(cursor.index, end);
  cursor.index = end;
  return value;
}

function quotedField(text: string, cursor: Cursor, fileName: string): string {
  const openedOn = cursor.line;
  let value = '';
  let from = cursor.index + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) throw malformed(fileName, openedOn, 'a quoted field is not closed');
    const chunk = text.slice(from, quote);
    value += chunk;
    cursor.line += chunk.split('\n').length - 1;
    if (text[quote + 1] !== '"') {
      cursor.index = quote + 1;
      return value;
    }
    value += '"';
    from = quote + 2;
  }
}
