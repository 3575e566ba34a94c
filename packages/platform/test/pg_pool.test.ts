// createPool hands pg the URL's fields parsed once instead of the URL: the connection must be the one the URL names,
// with the URL's parameters over the pool's own as pg merged them from `connectionString`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPool } from '../src/pg.ts';
import { testPostgres } from '../src/testing.ts';

test('pg - a pool connects to the database the URL names, its application_name over ours; read-only refuses writes', async (t) => {
  const database = await testPostgres();
  t.after(() => database.drop());
  const named = new URL(database.url);
  named.searchParams.set('application_name', 'named-in-the-url');
  const pools = {
    plain: createPool(database.url, { max: 1, applicationName: 'pg-pool-test' }),
    named: createPool(named.toString(), { max: 1, applicationName: 'pg-pool-test' }),
    readOnly: createPool(database.url, { max: 1, readOnly: true }),
  };
  t.after(() => Promise.all(Object.values(pools).map((pool) => pool.end())));
  const session = async (pool: (typeof pools)['plain']) =>
    (
      await pool.query<{ db: string; app: string; port: number }>(
        `SELECT current_database() AS db, current_setting('application_name') AS app,
                inet_server_port() AS port`,
      )
    ).rows[0];

  const url = new URL(database.url);
  const expectedPort = Number(url.port || 5432);
  assert.deepEqual(await session(pools.plain), { db: database.database, app: 'pg-pool-test', port: expectedPort });
  assert.deepEqual(await session(pools.named), { db: database.database, app: 'named-in-the-url', port: expectedPort });
  await assert.rejects(pools.readOnly.query('CREATE TABLE refused (x int)'), { code: '25006' });
});
