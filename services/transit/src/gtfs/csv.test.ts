import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCsvRecords } from './csv.ts';
import { fileText, maxFileBytes, parseTable } from './table.ts';
import { transitReasons } from '@citypass/contracts';

const fieldsOf = (text: string): (readonly string[])[] => readCsvRecords(text, 'x.txt').map((record) => record.fields);

function refusedWith(text: string, message: RegExp): void {
  assert.throws(() => parseTable(text, 'x.txt'), {
    kind: 'invalid_argument',
    reason: transitReasons.GTFS_CSV_MALFORMED,
    message,
  });
}

test('gtfs csv - quoted fields keep commas, doubled quotes, line breaks and a bare CR', () => {
  assert.deepEqual(fieldsOf('a,"b,c","say ""hi""",""\n'), [['a', 'b,c', 'say "hi"', '']]);
  assert.deepEqual(fieldsOf('"two\r\nlines","cr\ronly"\n'), [['two\r\nlines', 'cr\ronly']]);
});

test('gtfs csv - CRLF or LF line ends, a leading BOM, blank lines and no final newline', () => {
  assert.deepEqual(fieldsOf('\uFEFFa,b\r\n1,2\n\r\n\n3,4'), [
    ['a', 'b'],
    ['1', '2'],
    ['3', '4'],
  ]);
  assert.deepEqual(fieldsOf('a,\uFEFFb\n'), [['a', '\uFEFFb']]);
  assert.deepEqual(fieldsOf('a,,\n'), [['a', '', '']]);
  assert.deepEqual(fieldsOf(' a , b \n'), [[' a ', ' b ']]);
  assert.deepEqual(fieldsOf(''), []);
});

test('gtfs csv - each record carries the line it starts on', () => {
  const records = readCsvRecords('h1,h2\r\n"multi\r\nline",x\r\n\r\nlast,y\r\n', 'x.txt');
  assert.deepEqual(
    records.map((record) => record.line),
    [1, 2, 5],
  );
});

test('gtfs csv - rows become values by column name', () => {
  const rows = parseTable('stop_id,stop_name\r\ncentral,"Central, main hall"\r\n', 'stops.txt');
  assert.deepEqual(rows, [
    {
      where: 'stops.txt:2',
      values: new Map([
        ['stop_id', 'central'],
        ['stop_name', 'Central, main hall'],
      ]),
    },
  ]);
});

test('gtfs csv - malformed text is refused with the file and line', () => {
  refusedWith('a,b\n1,"open\n\n', /^x\.txt:2: a quoted field is not closed/);
  refusedWith('a,b\n1,x"y\n', /^x\.txt:2: a quote inside an unquoted field/);
  refusedWith('a,b\n1,"x"y\n', /^x\.txt:2: a quoted field is followed by text/);
  refusedWith('a,b\n"1\n2",x\r3\n', /^x\.txt:3: .*bare CR/);
  refusedWith('a,b\n1,2\n1,2,3\n', /^x\.txt:3: 3 fields where the header has 2/);
  refusedWith('a,b\n1\n', /^x\.txt:2: 1 fields where the header has 2/);
  refusedWith('a,a\n1,2\n', /^x\.txt:1: column names must be present and distinct/);
  refusedWith('a,,b\n1,2,3\n', /^x\.txt:1: column names/);
  refusedWith('\n\n', /^x\.txt:1: no header row/);
});

test('gtfs tables - a file of exactly the size limit in UTF-8 bytes is read, one byte more is refused', () => {
  const twoByteCharacters = 'é'.repeat(maxFileBytes / 2);
  assert.equal(fileText(new Map([['stops.txt', twoByteCharacters]]), 'stops.txt').length, maxFileBytes / 2);
  assert.throws(() => fileText(new Map([['stops.txt', `${twoByteCharacters}a`]]), 'stops.txt'), {
    reason: transitReasons.GTFS_FILE_TOO_LARGE,
    message: /^stops\.txt: /,
  });
});
