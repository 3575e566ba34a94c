// CSV for spreadsheets (RFC 4180: CRLF line ends, a cell with a comma, quote or line break quoted, quotes doubled).
// A text cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return) gets a
// leading apostrophe, so a name cannot run in the operator's spreadsheet (OWASP's CSV injection advice). Numbers
// written by the console (exact decimals, counts) are left as they are: "-12.50" is a number, not a formula.
const formulaStart = /^[=+\-@\t\r]/;
const plainNumber = /^-?\d+(\.\d+)?$/;

export function csvCell(value: string): string {
  const safe = formulaStart.test(value) && !plainNumber.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
