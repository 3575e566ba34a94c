// The ledger's functions moved out of migrations 2-4 into store/ledger/ (one file each). A database migrated with
// the old files (functions and all) and then started with the new layout ends up with the same schema and
// functions as a fresh one; starting again changes nothing; two instances starting at once take turns.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { applyFunctions, createPool, migrate, type Pool } from '@citypass/platform/pg';
import { testPostgres, type TestDatabase } from '@citypass/platform/testing';
import { ledgerFunctionsDir, migrationsDir, platformMigrations, prepareSchema } from '../src/store/schema.ts';

const fixtures = join(import.meta.dirname, 'fixtures', 'migrations_with_functions');
const databases: TestDatabase[] = [];
const pools: Pool[] = [];
let oldLayout: string;

async function database(): Promise<Pool> {
  const created = await testPostgres();
  databases.push(created);
  const pool = createPool(created.url, { max: 4 });
  pools.push(pool);
  return pool;
}

before(async () => {
  // The migrations as databases applied them before the move: 1 unchanged, 2-4 with their function bodies.
  oldLayout = await mkdtemp(join(tmpdir(), 'wallet-migrations-'));
  await copyFile(join(migrationsDir, '1-ledger.sql'), join(oldLayout, '1-ledger.sql'));
  for (const name of ['2-operations.sql', '3-one-statement-calls.sql', '4-review-fixes.sql']) {
    await copyFile(join(fixtures, name), join(oldLayout, name));
  }
});
after(async () => {
  for (const pool of pools) await pool.end();
  for (const created of databases) await created.drop();
  await rm(oldLayout, { recursive: true, force: true });
});

/** Everything a start creates: columns, constraints, indexes, triggers, functions (their full text), migrations. */
async function schemaOf(pool: Pool): Promise<Record<string, string[]>> {
  const lines = async (sql: string): Promise<string[]> =>
    (await pool.query<{ line: string }>(sql)).rows.map((row) => row.line);
  return {
    columns:
      await lines(`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS line
                          FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`),
    constraints: await lines(`SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line
                              FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`),
    indexes: await lines(`SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
    triggers: await lines(`SELECT pg_get_triggerdef(oid) AS line FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
    functions: await lines(`SELECT pg_get_functiondef(p.oid) AS line FROM pg_proc p
                            WHERE p.pronamespace = 'public'::regnamespace ORDER BY p.proname, 1`),
    migrations: await lines(`SELECT name || ' ' || checksum AS line FROM schema_migrations ORDER BY 1`),
    functionFiles: await lines(`SELECT name || ' ' || checksum AS line FROM schema_functions ORDER BY 1`),
  };
}

test('schema upgrade - a database migrated with the old files ends with the same schema and functions as a fresh one', async () => {
  const fresh = await database();
  await prepareSchema(fresh);

  const upgraded = await database();
  await migrate(upgraded, oldLayout, platformMigrations());
  const old = await upgraded.query<{ prosrc: string }>("SELECT prosrc FROM pg_proc WHERE proname = 'wallet_capture'");
  assert.equal(old.rows.length, 1);
  await prepareSchema(upgraded);

  const expected = await schemaOf(fresh);
  assert.ok((expected['functions'] ?? []).length >= 16, 'the ledger functions exist');
  assert.deepEqual(await schemaOf(upgraded), expected);
});

test('schema upgrade - starting again applies nothing; two instances starting at once take turns', async () => {
  const pool = await database();
  const other = await database();
  await Promise.all([prepareSchema(pool), prepareSchema(pool), prepareSchema(other)]);
  const once = await schemaOf(pool);
  assert.deepEqual(await migrate(pool, migrationsDir, platformMigrations()), []);
  assert.deepEqual(await applyFunctions(pool, ledgerFunctionsDir), []);
  assert.deepEqual(await schemaOf(pool), once);
  assert.deepEqual(await schemaOf(other), once);
});

test('schema upgrade - a changed function file is applied again, a changed migration without replaces-checksum is refused', async () => {
  const pool = await database();
  await prepareSchema(pool);
  const functions = await mkdtemp(join(tmpdir(), 'wallet-functions-'));
  const migrations = await mkdtemp(join(tmpdir(), 'wallet-migrations-'));
  try {
    const voidFile = await readFile(join(ledgerFunctionsDir, 'void.sql'), 'utf8');
    await writeFile(join(functions, 'void.sql'), `${voidFile}\n-- edited\n`);
    assert.deepEqual(await applyFunctions(pool, functions), ['void.sql']);
    assert.deepEqual(await applyFunctions(pool, functions), []);

    await copyFile(join(migrationsDir, '1-ledger.sql'), join(migrations, '1-ledger.sql'));
    await writeFile(join(migrations, '2-operations.sql'), '-- edited without declaring what it replaces\n');
    await assert.rejects(
      migrate(pool, migrations, platformMigrations()),
      /migration 2-operations\.sql changed after it was applied/,
    );
  } finally {
    await rm(functions, { recursive: true, force: true });
    await rm(migrations, { recursive: true, force: true });
  }
});

test('schema upgrade - changed function files go in together: one that fails leaves every function as it was', async () => {
  const pool = await database();
  await prepareSchema(pool);
  const functions = await mkdtemp(join(tmpdir(), 'wallet-functions-'));
  try {
    const before = await schemaOf(pool);
    // The first file applies, the second (later in order) fails: the first is not kept either.
    const authorize = await readFile(join(ledgerFunctionsDir, 'authorize.sql'), 'utf8');
    await writeFile(
      join(functions, 'authorize.sql'),
      `${authorize}\nCREATE FUNCTION wallet_half_applied() RETURNS int LANGUAGE sql AS 'SELECT 1';\n`,
    );
    await writeFile(join(functions, 'void.sql'), 'CREATE FUNCTION wallet_broken( RETURNS;\n');
    await assert.rejects(applyFunctions(pool, functions), /function file void\.sql failed/);
    assert.deepEqual(await schemaOf(pool), before);
    const half = await pool.query("SELECT 1 FROM pg_proc WHERE proname = 'wallet_half_applied'");
    assert.equal(half.rowCount, 0);
  } finally {
    await rm(functions, { recursive: true, force: true });
  }
});
