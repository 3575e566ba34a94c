import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, csvText } from './csv.ts';

test('csv - cells a spreadsheet would run as formulas are escaped; numbers and plain text are kept', () => {
  assert.equal(csvCell('=HYPERLINK("http://evil.example")'), `"'=HYPERLINK(""http://evil.example"")"`);
  for (const start of ['+', '-', '@', '\t', '\r'])
    assert.ok(csvCell(`${start}1+1 x`).includes(`'${start}1+1 x`), start);
  assert.equal(csvCell('-12.50'), '-12.50');
  assert.equal(csvCell('-1'), '-1');
  assert.equal(csvCell('parking-north'), 'parking-north');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  assert.equal(
    csvText([
      ['a', 'b'],
      ['1', '=2'],
    ]),
    "a,b\r\n1,'=2\r\n",
  );
});
