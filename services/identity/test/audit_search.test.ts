// Identity's audit log searched as the console's audit page does: who exactly, subject and action by prefix, a time
// range, keyset pages through the result; bad filters refused with their reason; and each page one backward index
// scan, never a sort (EXPLAIN).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { ListAuditEventsRequest } from '@citypass/proto/identity/v1/identity';
import { refusalOf } from '@citypass/platform/testing';
import { auditPageQuery, type AuditPageFilter } from '../src/store/audit.ts';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let db: pg.Client;

const search: ListAuditEventsRequest = {
  subjectId: '',
  action: '',
  pageSize: 0,
  pageToken: '',
  actionPrefix: '',
  subjectPrefix: '',
  occurredFrom: undefined,
  occurredBefore: undefined,
  actor: '',
};

// Rows as operators' actions leave them, at known times (the table takes inserts; it refuses only changes).
const rows: [string, string, string, string][] = [
  ['2031-01-01T10:00:00Z', 'operator:ada', 'service.suspended', 'parking-north'],
  ['2031-01-01T11:00:00Z', 'operator:ada', 'service.resumed', 'parking-north'],
  ['2031-01-02T10:00:00Z', 'operator:bob', 'service.secret_rotated', 'parking-south'],
  ['2031-01-03T10:00:00Z', 'operator:bob', 'credential.revoked', 'park-resident'],
  ['2031-01-04T10:00:00Z', 'operator:ada', 'service.suspended', 'bikes'],
];

before(async () => {
  h = await startHarness();
  db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
  for (const [at, actor, action, subject] of rows) {
    await db.query('INSERT INTO audit_log (occurred_at, actor, action, subject_id) VALUES ($1, $2, $3, $4)', [
      at,
      actor,
      action,
      subject,
    ]);
  }
});
after(async () => {
  await db.end();
  await h.stop();
});

const subjects = async (request: Partial<ListAuditEventsRequest>): Promise<string[]> =>
  (await h.operator.listAuditEvents({ ...search, ...request })).events.map(
    (event) => `${event.action} ${event.subjectId}`,
  );

test('audit search - subject and action by prefix, newest first; exact filters still exact', async () => {
  assert.deepEqual(await subjects({ subjectPrefix: 'parking-' }), [
    'service.secret_rotated parking-south',
    'service.resumed parking-north',
    'service.suspended parking-north',
  ]);
  assert.deepEqual(await subjects({ subjectPrefix: 'park', actionPrefix: 'credential.' }), [
    'credential.revoked park-resident',
  ]);
  assert.deepEqual(await subjects({ actionPrefix: 'service.sus' }), [
    'service.suspended bikes',
    'service.suspended parking-north',
  ]);
  assert.deepEqual(await subjects({ actor: 'operator:bob' }), [
    'credential.revoked park-resident',
    'service.secret_rotated parking-south',
  ]);
  assert.deepEqual(await subjects({ actor: 'operator:bo' }), []);
  assert.deepEqual(await subjects({ subjectId: 'park' }), []);
  assert.deepEqual(await subjects({ action: 'service.sus' }), []);
});

test('audit search - a time range: from inclusive, before exclusive; paged with the token', async () => {
  const from = new Date('2031-01-01T11:00:00Z');
  const before = new Date('2031-01-04T10:00:00Z');
  assert.deepEqual(await subjects({ occurredFrom: from, occurredBefore: before }), [
    'credential.revoked park-resident',
    'service.secret_rotated parking-south',
    'service.resumed parking-north',
  ]);
  const first = await h.operator.listAuditEvents({
    ...search,
    occurredFrom: from,
    occurredBefore: before,
    pageSize: 2,
    actor: '',
  });
  assert.equal(first.events.length, 2);
  const second = await h.operator.listAuditEvents({
    ...search,
    occurredFrom: from,
    occurredBefore: before,
    pageSize: 2,
    pageToken: first.nextPageToken,
    actor: '',
  });
  assert.deepEqual(
    second.events.map((event) => event.action),
    ['service.resumed'],
  );
  assert.deepEqual(
    await refusalOf(h.operator.listAuditEvents({ ...search, occurredFrom: before, occurredBefore: from, actor: '' })),
    {
      kind: 'invalid_argument',
      reason: 'AUDIT_TIME_RANGE_INVALID',
    },
  );
  assert.deepEqual(await refusalOf(h.operator.listAuditEvents({ ...search, actionPrefix: 'x'.repeat(65) })), {
    kind: 'invalid_argument',
    reason: 'ACTION_INVALID',
  });
  assert.deepEqual(await refusalOf(h.operator.listAuditEvents({ ...search, subjectPrefix: 'a\u0000' })), {
    kind: 'invalid_argument',
    reason: 'SUBJECT_ID_INVALID',
  });
  assert.deepEqual(await refusalOf(h.operator.listAuditEvents({ ...search, actor: 'x'.repeat(129) })), {
    kind: 'invalid_argument',
    reason: 'ACTOR_INVALID',
  });
});

test('audit search plans - every page is a backward scan of an index of audit_log, never a sort', async () => {
  await db.query('ANALYZE audit_log');
  await db.query('SET enable_seqscan = off');
  await db.query('SET enable_sort = off');
  const cases: [AuditPageFilter, RegExp][] = [
    [{ limit: 50 }, /Index Scan Backward using audit_log_pkey/],
    [
      { limit: 50, subjectPrefix: 'park', actionPrefix: 'service.', beforeId: 10n },
      /Index Scan Backward using audit_log_pkey/,
    ],
    [{ limit: 50, from: new Date(0), before: new Date() }, /Index Scan Backward using audit_log_pkey/],
    [{ limit: 50, actor: 'operator:ada', action: 'service.suspended' }, /Index Scan Backward using audit_log_pkey/],
    [
      { limit: 50, subjectId: 'bikes', scopeActionPrefix: 'service.', beforeId: 10n },
      /Index Scan Backward using audit_log_subject/,
    ],
  ];
  for (const [filter, index] of cases) {
    const query = auditPageQuery(filter);
    const { rows: plan } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.text}`, query.values);
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    assert.match(text, index, text);
    assert.doesNotMatch(text, /Sort|Seq Scan/, text);
  }
});
