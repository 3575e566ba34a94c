// arrayLiteral must mean to PostgreSQL exactly what node-postgres's own writing of the same JavaScript array means:
// each case sends both, as one array type, and PostgreSQL compares them (and hands ours back to be checked whole).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrayLiteral, createPool, type ArrayElement } from '../src/pg.ts';
import { testPostgres } from '../src/testing.ts';

const awkward = [
  '',
  'plain',
  'NULL',
  'null',
  'with "quotes"',
  'back\\slash',
  '\\"both\\"',
  'braces {a,b} and, commas',
  ' leading and trailing spaces ',
  'tab\tnew\nline\rreturn',
  'unicode: Ærøskøbing — 東京 🚇',
  "it's",
];

const cases: { type: string; values: readonly ArrayElement[] }[] = [
  { type: 'text[]', values: [...awkward, null] },
  { type: 'char(3)[]', values: ['EUR', null, 'USD'] },
  { type: 'uuid[]', values: ['0b9a3c4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e', null] },
  {
    type: 'json[]',
    values: [
      JSON.stringify({ explanation: 'an amount "far" above C:\\shop\'s usual', features: { z: 2.5 } }),
      null,
      '[]',
      JSON.stringify('a string with \\ and "'),
    ],
  },
  { type: 'jsonb[]', values: [JSON.stringify({ traceparent: '00-abc-def-01', 'x"y': '\\' }), null] },
  { type: 'bytea[]', values: [Buffer.from([0, 1, 0x22, 0x5c, 0x7b, 0xff]), new Uint8Array([]), null] },
  { type: 'bytea[]', values: [new Uint8Array(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2)] },
  {
    type: 'timestamptz[]',
    values: [new Date('2026-12-07T14:00:00.123Z'), new Date(0), null, new Date('1999-12-31T23:59:59.999Z')],
  },
  { type: 'bigint[]', values: [0n, -1n, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n, null] },
  { type: 'integer[]', values: [0, -2_147_483_648, 2_147_483_647, null] },
  { type: 'smallint[]', values: [99, 0, null] },
  { type: 'boolean[]', values: [true, false, null] },
  { type: 'text[]', values: [] },
  { type: 'text[]', values: [null] },
];

test('pg - arrayLiteral means what node-postgres writes for the same array, for every element type the wallet sends', async (t) => {
  const database = await testPostgres();
  t.after(() => database.drop());
  const pool = createPool(database.url, { max: 1 });
  t.after(() => pool.end());
  for (const { type, values } of cases) {
    const result = await pool.query<{ same: boolean; length: number | null; nulls: number }>(
      // Compared as their elements' output text: json has no equality operator.
      `SELECT $1::${type}::text[] IS NOT DISTINCT FROM $2::${type}::text[] AS same, cardinality($1::${type}) AS length,
              (SELECT count(*)::int FROM unnest($1::${type}) AS element WHERE element IS NULL) AS nulls`,
      [arrayLiteral(values), values],
    );
    assert.deepEqual(
      result.rows[0],
      { same: true, length: values.length, nulls: values.filter((value) => value === null).length },
      `${type}: ${JSON.stringify(values, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`,
    );
  }
  // The strings come back as they were sent, byte for byte (not only equal to pg's writing of them).
  const back = await pool.query<{ strings: (string | null)[] }>('SELECT $1::text[] AS strings', [
    arrayLiteral([...awkward, null]),
  ]);
  assert.deepEqual(back.rows[0]?.strings, [...awkward, null]);
});
