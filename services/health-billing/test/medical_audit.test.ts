// The medical-data audit log against a real PostgreSQL database: entries live and die with the read's transaction,
// list newest first in stable pages, and the database refuses to change or remove them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, test } from 'node:test';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { createPool, migrate, pgErrorCode, withTransaction, type Pool } from '@citypass/platform/pg';
import { testPostgres, type TestDatabase } from '@citypass/platform/testing';
import {
  isAuditPageToken,
  listAudit,
  recordRead,
  type AuditPage,
  type MedicalAuditFilter,
  type MedicalAuditRecord,
  type MedicalReadEntry,
} from '../src/store/medical_audit.ts';

const migrationsDir = join(import.meta.dirname, '..', 'src', 'store', 'migrations');

let database: TestDatabase;
let pool: Pool;
let firstMigration: string[];
before(async () => {
  database = await testPostgres();
  pool = createPool(database.url, { max: 4 });
  firstMigration = await migrate(pool, migrationsDir);
});
after(async () => {
  await pool.end();
  await database.drop();
});

const read = (subject: string, overrides: Partial<MedicalReadEntry> = {}): MedicalReadEntry => ({
  actor: 'clinic:clinic-north',
  action: 'bill.read',
  subject,
  resource: randomUUID(),
  purpose: 'treatment',
  ...overrides,
});

/** Every entry the filter selects, page by page, and the size of each page. */
async function listAll(filter: MedicalAuditFilter, size: number): Promise<{ ids: bigint[]; pages: number[] }> {
  const ids: bigint[] = [];
  const pages: number[] = [];
  let page: AuditPage = { size, token: '' };
  for (;;) {
    const result = await listAudit(pool, filter, page);
    ids.push(...result.entries.map((entry) => entry.id));
    pages.push(result.entries.length);
    if (result.nextPageToken === '') return { ids, pages };
    assert.ok(isAuditPageToken(result.nextPageToken));
    page = { size, token: result.nextPageToken };
  }
}

test('medical audit - a fresh database gets the service migrations, the audit log among them, once', async () => {
  assert.deepEqual(firstMigration, [
    '1-health-billing.sql',
    '2-medical-audit.sql',
    '3-preauthorizations.sql',
    '4-corrections.sql',
    '5-views.sql',
    '6-clinic-line-checks.sql',
    '7-clinic-peers.sql',
    '8-clinic-peers-voids.sql',
  ]);
  assert.deepEqual(await migrate(pool, migrationsDir), []);
});

test('medical audit - an entry rolls back with its read, and a read whose entry cannot be written returns nothing', async () => {
  const subject = randomUUID();
  await assert.rejects(
    withTransaction(pool, async (client) => {
      await recordRead(client, read(subject));
      throw new Error('the read failed after its entry was written');
    }),
    /the read failed/,
  );
  assert.deepEqual((await listAudit(pool, { subject }, { size: 10, token: '' })).entries, []);

  let returned: string | undefined;
  await assert.rejects(
    withTransaction(pool, async (client) => {
      const bill = (await client.query<{ bill: string }>(`SELECT 'the bill' AS bill`)).rows[0]?.bill;
      await recordRead(client, read(subject, { traceId: 'not-a-trace-id' })); // refused by the table's CHECK
      returned = bill;
    }),
    (error: unknown) => pgErrorCode(error) === '23514',
  );
  assert.equal(returned, undefined);
  assert.deepEqual((await listAudit(pool, { subject }, { size: 10, token: '' })).entries, []);
});

test('medical audit - a committed entry is listed with what was read, by whom, of whom and why', async () => {
  const subject = randomUUID();
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const entry = read(subject, { actor: 'insurer:city-health-fund', action: 'eob.read', purpose: 'payment', traceId });
  await withTransaction(pool, (client) => recordRead(client, entry));
  await withTransaction(pool, (client) => recordRead(client, read(subject, { actor: `resident:${subject}` })));

  const { entries, nextPageToken } = await listAudit(pool, { subject }, { size: 10, token: '' });
  assert.equal(nextPageToken, '');
  assert.equal(entries.length, 2);
  const [latest, first] = entries as [MedicalAuditRecord, MedicalAuditRecord];
  assert.equal(latest.actor, `resident:${subject}`);
  assert.equal(latest.traceId, undefined, 'no span is active in this test');
  const { id, occurredAt, ...rest } = first;
  assert.deepEqual(rest, { ...entry, traceId });
  assert.equal(typeof id, 'bigint');
  assert.ok(occurredAt <= latest.occurredAt && Date.now() - occurredAt.getTime() < 60_000);
});

test("medical audit - an entry without a trace id takes the active span's", async () => {
  const storage = new AsyncLocalStorage<Context>();
  context.setGlobalContextManager({
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
    bind: (_ctx, target) => target,
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  });
  try {
    const subject = randomUUID();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const span = trace.wrapSpanContext({ traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
    await context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
      withTransaction(pool, (client) => recordRead(client, read(subject))),
    );
    const entries = (await listAudit(pool, { subject }, page(10))).entries;
    assert.equal(entries[0]?.traceId, traceId);
  } finally {
    context.disable();
  }
});

test('medical audit - pages list everything newest first exactly once, filtered by subject, actor and time', async () => {
  const patient = randomUUID();
  const other = randomUUID();
  // One transaction: four entries with the same occurred_at, so pages must split them by id.
  await withTransaction(pool, async (client) => {
    await recordRead(client, read(patient));
    await recordRead(client, read(patient, { actor: 'operator:support-desk', purpose: 'operations' }));
    await recordRead(client, read(other));
    await recordRead(client, read(patient, { action: 'fhir.export' }));
  });
  await sleep(20);
  const between = new Date();
  await sleep(20);
  await withTransaction(pool, async (client) => {
    await recordRead(client, read(patient, { actor: 'operator:support-desk', purpose: 'operations' }));
    await recordRead(client, read(other, { actor: 'operator:support-desk', purpose: 'operations' }));
    await recordRead(client, read(patient, { actor: `resident:${patient}`, purpose: 'patient_access' }));
  });

  const all = await listAudit(pool, { subject: patient }, { size: 200, token: '' });
  assert.equal(all.entries.length, 5);
  const expected = all.entries.map((entry) => entry.id);
  assert.deepEqual(
    expected,
    [...expected].sort((a, b) => (a > b ? -1 : 1)),
    'newest first',
  );
  for (const size of [1, 2, 3, 4]) {
    const paged = await listAll({ subject: patient }, size);
    assert.deepEqual(paged.ids, expected, `pages of ${size}`);
  }
  assert.deepEqual((await listAll({ subject: patient }, 2)).pages, [2, 2, 1]);
  assert.deepEqual((await listAll({ subject: patient }, 5)).pages, [5], 'a full last page says it is the last');

  const bySupportDesk = await listAll({ actor: 'operator:support-desk', subject: patient }, 1);
  assert.equal(bySupportDesk.ids.length, 2);
  const supportDeskEverywhere = await listAudit(pool, { actor: 'operator:support-desk', since: between }, page(10));
  assert.deepEqual(supportDeskEverywhere.entries.map((entry) => entry.subject).sort(), [patient, other].sort());
  const since = await listAll({ subject: patient, since: between }, 2);
  assert.deepEqual(since.ids, expected.slice(0, 2));
  assert.deepEqual(await listAll({ subject: randomUUID() }, 3), { ids: [], pages: [0] });
});

test('medical audit - entries of the same millisecond are neither skipped nor repeated across pages', async () => {
  const subject = randomUUID();
  // Microseconds apart within one millisecond: a page key kept as a JavaScript Date would lose them.
  const times = ['2031-05-06T07:08:09.123400Z', '2031-05-06T07:08:09.123600Z', '2031-05-06T07:08:09.123500Z'];
  for (const [index, at] of times.entries()) {
    await pool.query(
      `INSERT INTO medical_audit (occurred_at, actor, action, subject, resource, purpose)
       VALUES ($1, 'clinic:clinic-north', 'bill.read', $2, $3, 'treatment')`,
      [at, subject, `bill-${index + 1}`],
    );
  }
  const all = (await listAudit(pool, { subject }, page(10))).entries;
  assert.deepEqual(
    all.map((entry) => entry.resource),
    ['bill-2', 'bill-3', 'bill-1'],
  );
  assert.deepEqual(
    (await listAll({ subject }, 1)).ids,
    all.map((entry) => entry.id),
  );
});

test('medical audit - the database refuses UPDATE, DELETE and TRUNCATE, even of no row', async () => {
  const subject = randomUUID();
  await withTransaction(pool, (client) => recordRead(client, read(subject)));
  const refused = (error: unknown): boolean =>
    pgErrorCode(error) === '42501' && error instanceof Error && error.message === 'medical_audit is append-only';
  await assert.rejects(
    pool.query(`UPDATE medical_audit SET purpose = 'payment' WHERE subject = $1`, [subject]),
    refused,
  );
  await assert.rejects(pool.query('DELETE FROM medical_audit WHERE subject = $1', [subject]), refused);
  await assert.rejects(pool.query('DELETE FROM medical_audit WHERE false'), refused);
  await assert.rejects(pool.query('TRUNCATE medical_audit'), refused);
  const entries = (await listAudit(pool, { subject }, page(10))).entries;
  assert.equal(entries.length, 1);
  assert.equal(entries[0]?.purpose, 'treatment');
});

test('medical audit - the table refuses entries outside the closed forms', async () => {
  const subject = randomUUID();
  const refusedBy = (constraint: string) => (error: unknown) =>
    pgErrorCode(error) === '23514' && (error as { constraint?: string }).constraint === constraint;
  const attempt = (entry: MedicalReadEntry): Promise<void> =>
    withTransaction(pool, (client) => recordRead(client, entry));
  await assert.rejects(attempt(read(subject, { actor: 'clinic:' })), refusedBy('medical_audit_actor_check'));
  await assert.rejects(attempt(read(subject, { actor: 'clinic:north ward' })), refusedBy('medical_audit_actor_check'));
  await assert.rejects(
    attempt(read(subject, { resource: 'Diagnosis: fracture' })),
    refusedBy('medical_audit_resource_check'),
  );
  await assert.rejects(attempt(read(subject, { traceId: '0'.repeat(32) })), refusedBy('medical_audit_trace_id_check'));
  await assert.rejects(
    attempt(read(subject, { purpose: 'curiosity' as MedicalReadEntry['purpose'] })),
    refusedBy('medical_audit_purpose_check'),
  );
  await assert.rejects(attempt(read('not-a-resident-id')), (error: unknown) => pgErrorCode(error) === '22P02');
  assert.deepEqual((await listAudit(pool, { subject }, page(10))).entries, []);
});

test('medical audit - page tokens: only those listAudit returns are accepted; page sizes are bounded', async () => {
  const subject = randomUUID();
  await withTransaction(pool, async (client) => {
    await recordRead(client, read(subject));
    await recordRead(client, read(subject));
  });
  const first = await listAudit(pool, { subject }, page(1));
  assert.ok(isAuditPageToken(first.nextPageToken) && first.nextPageToken !== '');
  assert.ok(isAuditPageToken(''));
  const forged = (text: string): string => Buffer.from(text).toString('base64url');
  for (const token of [
    'not a token',
    forged('2031-05-06T07:08:09.123Z|1'),
    forged('2031-02-30T07:08:09.123456Z|1'),
    forged('2031-05-06T07:08:09.123456Z|0'),
    forged('2031-05-06T07:08:09.123456Z|9223372036854775808'),
    forged('2031-05-06T07:08:09.123456Z|1|2'),
    `${first.nextPageToken}=`,
  ]) {
    assert.equal(isAuditPageToken(token), false, token);
    await assert.rejects(listAudit(pool, { subject }, { size: 1, token }), assert.AssertionError);
  }
  for (const size of [0, 201, 1.5]) {
    await assert.rejects(listAudit(pool, { subject }, { size, token: '' }), assert.AssertionError);
  }
  await assert.rejects(listAudit(pool, { subject: 'not-a-uuid' }, page(1)), assert.AssertionError);
  assert.equal((await listAudit(pool, { subject }, { size: 200, token: '' })).entries.length, 2);
});

function page(size: number): AuditPage {
  return { size, token: '' };
}
