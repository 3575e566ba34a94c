// Transit's audit log of operator actions against real identity, wallet, PostgreSQL and NATS: assigning gates and
// adding fare rules each write exactly one row (who, what, target, before and after, the operator's reason) in the
// action's transaction, a refused or repeated action (a missing or overlong reason too) writes none; ListAuditEvents pages newest first with its filters, and a delegated
// operator reads only their own scope's rows.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { OperatorAuditEvent } from '@citypass/proto/common/v1/audit';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { TransitServiceService, ListAuditEventsRequest } from '@citypass/proto/transit/v1/transit';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { consoleClientEnv, signInOperator } from '../../identity/test/console_sign_in.ts';
import { secret } from '../../identity/test/harness.ts';
import { auditPageQuery } from '../src/store/operator_audit_store.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
const clientSecret = secret();
const env = consoleClientEnv(clientSecret);
const opened: PromiseClient<typeof TransitServiceService>[] = [];
before(async () => {
  h = await startTransitHarness({}, env);
  await h.wallet.identity.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name: 'trams',
    displayName: 'Harbour trams',
    contactEmail: 'ops@trams.example',
    extraScopes: ['gate:trams'],
    jwksJson: '',
    location: undefined,
  });
});
after(async () => {
  for (const each of opened) each.close();
  await h.stop();
});

const search = ListAuditEventsRequest.fromPartial({});

async function auditRows(): Promise<number> {
  const { rows } = await h.db.query<{ count: string }>('SELECT count(*) FROM operator_audit');
  return Number(rows[0]?.count);
}

const gateOf = async (gateId: string) =>
  (await h.operator.listGates({ pageSize: 0, pageToken: '', search: gateId })).gates[0];

async function newest(): Promise<OperatorAuditEvent> {
  const [event] = (await h.operator.listAuditEvents({ ...search, pageSize: 1 })).events;
  assert.ok(event !== undefined);
  return event;
}

async function transitAs(
  username: string,
  scope: { merchant?: string; department?: string },
  role: OperatorRole = OperatorRole.OPERATOR_ROLE_ADMIN,
) {
  const password = `pw-${secret()}`;
  const identity = h.wallet.identity;
  await identity.operator.createOperator({
    idempotencyKey: `create-${username}`,
    username,
    roles: [role],
    password,
    merchant: scope.merchant ?? '',
    department: scope.department ?? '',
  });
  const client = {
    issuer: identity.issuer,
    clientId: 'console',
    clientSecret,
    redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS,
  };
  const token = await (await signInOperator(client, username, password)).accessToken('urn:citypass:transit');
  const transit = promiseClient(TransitServiceService, h.address, { metadata: () => bearer(token) });
  opened.push(transit);
  return transit;
}

test('audit - assigning gates writes one row: who, the client, each gate client before and after', async () => {
  const rows = await auditRows();
  await h.operator.assignGates({
    reason: '  trams take over the market station ',
    clientId: 'trams',
    gateIds: ['market-g2', 'market-g1', 'market-g1'],
  });
  assert.equal(await auditRows(), rows + 1);
  const event = await newest();
  assert.equal(event.actor, 'operator:operator');
  assert.equal(event.action, 'gates.assigned');
  assert.equal(event.target, 'trams');
  assert.equal(event.reason, 'trams take over the market station');
  assert.deepEqual(JSON.parse(event.beforeJson), { clients: { 'market-g1': 'gates', 'market-g2': 'gates' } });
  assert.deepEqual(JSON.parse(event.afterJson), { clients: { 'market-g1': 'trams', 'market-g2': 'trams' } });
  assert.ok(event.occurredAt !== undefined && Math.abs(event.occurredAt.getTime() - Date.now()) < 60_000);

  // Refused assignments change nothing and write nothing.
  assert.equal(
    (await refusalOf(h.operator.assignGates({ reason: 'test setup', clientId: 'trams', gateIds: ['nowhere-g9'] })))
      .reason,
    'GATE_UNKNOWN',
  );
  assert.equal(
    (await refusalOf(h.operator.assignGates({ reason: 'test setup', clientId: 'Bad!', gateIds: ['market-g1'] })))
      .reason,
    'CLIENT_ID_INVALID',
  );
  assert.equal(
    (await refusalOf(h.gates.assignGates({ reason: 'test setup', clientId: 'trams', gateIds: ['market-g1'] }))).reason,
    'SCOPE_MISSING',
  );
  assert.equal(await auditRows(), rows + 1);
});

test('audit - an operator change needs a reason of 1-200 characters without NUL; refused ones change nothing', async () => {
  const gateRequest = { clientId: 'gates', gateIds: ['market-g1'] };
  const clientOfMarket = async () => (await gateOf('market-g1'))?.clientId;
  const assignedBefore = await clientOfMarket();
  const { versions } = await h.operator.listFareRules({});
  const current = versions.at(-1) ?? assert.fail('no fare rules');
  const rules = { ...current, effectiveFrom: `${new Date(h.now()).getUTCFullYear() + 5}-03-01` };
  const rows = await auditRows();
  for (const [reason, refused] of [
    ['', 'REASON_REQUIRED'],
    ['   ', 'REASON_REQUIRED'],
    ['x'.repeat(201), 'REASON_TOO_LONG'],
    ['why\u0000not', 'REASON_INVALID'],
  ] as const) {
    assert.deepEqual(await refusalOf(h.operator.assignGates({ ...gateRequest, reason })), {
      kind: 'invalid_argument',
      reason: refused,
    });
    assert.deepEqual(await refusalOf(h.operator.putFareRules({ idempotencyKey: randomUUID(), reason, rules })), {
      kind: 'invalid_argument',
      reason: refused,
    });
  }
  assert.equal(await auditRows(), rows);
  assert.equal(await clientOfMarket(), assignedBefore);
  assert.equal((await h.operator.listFareRules({})).versions.length, versions.length);

  // 200 characters is the most: accepted and kept whole.
  await h.operator.assignGates({ ...gateRequest, reason: 'y'.repeat(200) });
  assert.equal((await newest()).reason, 'y'.repeat(200));
  assert.equal(await auditRows(), rows + 1);
});

test('audit - a signed-in operator is named by their username; their fare rules row holds the version before and after', async () => {
  const ada = await transitAs('ada', {});
  const { versions } = await ada.listFareRules({});
  const current = versions.at(-1);
  assert.ok(current !== undefined);
  const rules = {
    ...current,
    effectiveFrom: `${new Date(h.now()).getUTCFullYear() + 3}-02-01`,
    transferWindowMinutes: 50,
  };
  const rows = await auditRows();
  const key = randomUUID();
  const created = await ada.putFareRules({ reason: 'longer transfers for the winter', idempotencyKey: key, rules });
  assert.equal(await auditRows(), rows + 1);
  const event = await newest();
  assert.equal(event.actor, 'operator:ada');
  assert.equal(event.reason, 'longer transfers for the winter');
  assert.equal(event.action, 'fare_rules.added');
  assert.equal(event.target, `fare_rules:${created.rules?.version}`);
  const beforeRules = JSON.parse(event.beforeJson) as { version: number; transferWindowMinutes: number };
  const afterRules = JSON.parse(event.afterJson) as { version: number; transferWindowMinutes: number };
  assert.equal(beforeRules.version, current.version);
  assert.equal(beforeRules.transferWindowMinutes, current.transferWindowMinutes);
  assert.equal(afterRules.version, current.version + 1);
  assert.equal(afterRules.transferWindowMinutes, 50);

  // The same key again is answered with the first version and writes no second row; refusals write none.
  assert.equal(
    (await ada.putFareRules({ reason: 'test: new fares', idempotencyKey: key, rules })).rules?.version,
    current.version + 1,
  );
  assert.equal(
    (await refusalOf(ada.putFareRules({ reason: 'test: new fares', idempotencyKey: randomUUID(), rules }))).reason,
    'FARE_RULES_ORDER_INVALID',
  );
  const today = new Date(h.now()).toISOString().slice(0, 10);
  assert.equal(
    (
      await refusalOf(
        ada.putFareRules({
          reason: 'test: new fares',
          idempotencyKey: randomUUID(),
          rules: { ...rules, effectiveFrom: today },
        }),
      )
    ).reason,
    'EFFECTIVE_DATE_NOT_FUTURE',
  );
  assert.equal(await auditRows(), rows + 1);
});

test('audit - the log is append-only', async () => {
  await assert.rejects(h.db.query("UPDATE operator_audit SET reason = 'x'"), /append-only/);
  await assert.rejects(h.db.query('DELETE FROM operator_audit'), /append-only/);
});

test('ListAuditEvents - newest first, keyset pages, filters by actor, action and target prefix and time', async () => {
  // From just after the newest row so far, by the database's clock (it stamps the rows).
  const startedAt = new Date(((await newest()).occurredAt?.getTime() ?? 0) + 1);
  for (const gate of ['harbour-g1', 'harbour-g2', 'central-g1']) {
    await h.operator.assignGates({ reason: 'test setup', clientId: 'trams', gateIds: [gate] });
  }
  await h.operator.assignGates({
    reason: 'test setup',
    clientId: 'gates',
    gateIds: ['harbour-g1', 'harbour-g2', 'central-g1'],
  });
  const all = await h.operator.listAuditEvents(search);
  assert.equal(all.nextPageToken, '');
  const ids = all.events.map((event) => BigInt(event.id));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => (a > b ? -1 : 1)),
    'newest first',
  );

  const seen: string[] = [];
  let pageToken = '';
  do {
    const page = await h.operator.listAuditEvents({ ...search, pageSize: 2, pageToken });
    assert.ok(page.events.length <= 2);
    seen.push(...page.events.map((event) => event.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  assert.deepEqual(
    seen,
    all.events.map((event) => event.id),
    'pages walk every row once, in order',
  );

  const trams = await h.operator.listAuditEvents({ ...search, actionPrefix: 'gates.', targetPrefix: 'tra' });
  assert.ok(trams.events.length >= 4);
  assert.ok(trams.events.every((event) => event.action === 'gates.assigned' && event.target === 'trams'));
  const fares = await h.operator.listAuditEvents({ ...search, actionPrefix: 'fare_' });
  assert.ok(fares.events.length >= 1 && fares.events.every((event) => event.action === 'fare_rules.added'));
  const byAda = await h.operator.listAuditEvents({ ...search, actor: 'operator:ada' });
  assert.ok(byAda.events.length >= 1 && byAda.events.every((event) => event.actor === 'operator:ada'));
  assert.deepEqual((await h.operator.listAuditEvents({ ...search, actor: 'operator:ad' })).events, []);

  const recent = await h.operator.listAuditEvents({ ...search, occurredFrom: startedAt });
  assert.equal(recent.events.length, 4);
  const older = await h.operator.listAuditEvents({ ...search, occurredBefore: startedAt });
  assert.equal(older.events.length + recent.events.length, all.events.length);
  assert.deepEqual(
    (await h.operator.listAuditEvents({ ...search, occurredFrom: new Date(Date.now() + 3_600_000) })).events,
    [],
  );

  // A token is bound to its filters.
  const first = await h.operator.listAuditEvents({ ...search, pageSize: 1, actionPrefix: 'gates.' });
  assert.notEqual(first.nextPageToken, '');
  const pageTokenInvalid = { kind: 'invalid_argument', reason: 'PAGE_TOKEN_INVALID' };
  assert.deepEqual(
    await refusalOf(h.operator.listAuditEvents({ ...search, pageSize: 1, pageToken: first.nextPageToken })),
    pageTokenInvalid,
  );
  assert.deepEqual(
    await refusalOf(h.operator.listAuditEvents({ ...search, pageToken: 'nonsense!' })),
    pageTokenInvalid,
  );
});

test('ListAuditEvents - bad filters are INVALID_ARGUMENT with their reason; gates are refused', async () => {
  const refused = (reason: string) => ({ kind: 'invalid_argument', reason });
  assert.equal((await h.operator.listAuditEvents({ ...search, actionPrefix: 'x'.repeat(128) })).events.length, 0);
  for (const bad of [{ actor: 'x'.repeat(129) }, { actionPrefix: 'a\u0000' }, { targetPrefix: 'x'.repeat(129) }]) {
    assert.deepEqual(
      await refusalOf(h.operator.listAuditEvents({ ...search, ...bad })),
      refused('AUDIT_FILTER_INVALID'),
    );
  }
  const at = new Date();
  assert.deepEqual(
    await refusalOf(h.operator.listAuditEvents({ ...search, occurredFrom: at, occurredBefore: at })),
    refused('AUDIT_TIME_RANGE_INVALID'),
  );
  assert.deepEqual(
    await refusalOf(h.operator.listAuditEvents({ ...search, pageSize: 501 })),
    refused('PAGE_SIZE_INVALID'),
  );
  assert.deepEqual(await refusalOf(h.gates.listAuditEvents(search)), {
    kind: 'permission_denied',
    reason: 'SCOPE_MISSING',
  });
});

test('ListAuditEvents - a merchant-scoped operator reads only rows about their gates; another department nothing', async () => {
  const tramsOperator = await transitAs('tess', { merchant: 'trams' });
  const theirs = await tramsOperator.listAuditEvents(search);
  assert.ok(theirs.events.length >= 4);
  assert.ok(theirs.events.every((event) => event.target === 'trams'));
  assert.deepEqual((await tramsOperator.listAuditEvents({ ...search, actionPrefix: 'fare_rules.' })).events, []);
  const health = await transitAs('hana', { department: 'health' });
  assert.deepEqual(await refusalOf(health.listAuditEvents(search)), {
    kind: 'permission_denied',
    reason: 'OPERATOR_OUT_OF_SCOPE',
  });
  const metro = await transitAs('theo', { department: 'transit' });
  assert.equal(
    (await metro.listAuditEvents(search)).events.length,
    (await h.operator.listAuditEvents(search)).events.length,
  );
});

test('ListAuditEvents - an auditor reads the whole log (and the fare rules it names) but is refused every change', async () => {
  const auditor = await transitAs('audrey', {}, OperatorRole.OPERATOR_ROLE_AUDITOR);
  assert.equal(
    (await auditor.listAuditEvents(search)).events.length,
    (await h.operator.listAuditEvents(search)).events.length,
  );
  const { versions } = await auditor.listFareRules({});
  const current = versions.at(-1) ?? assert.fail('no fare rules');
  const rows = await auditRows();
  const roleMissing = { kind: 'permission_denied', reason: 'OPERATOR_ROLE_MISSING' };
  assert.deepEqual(
    await refusalOf(auditor.assignGates({ clientId: 'trams', gateIds: ['airport-g1'], reason: 'not mine to do' })),
    roleMissing,
  );
  const rules = { ...current, effectiveFrom: `${new Date(h.now()).getUTCFullYear() + 6}-01-01` };
  assert.deepEqual(
    await refusalOf(auditor.putFareRules({ idempotencyKey: randomUUID(), reason: 'not mine to do', rules })),
    roleMissing,
  );
  assert.equal(await auditRows(), rows);
  assert.equal((await h.operator.listFareRules({})).versions.length, versions.length);
  assert.equal((await gateOf('airport-g1'))?.clientId, 'gates');
});

test('ListAuditEvents plans - every page is a backward range scan of an index, never a sort', async () => {
  const db = new pg.Client({ connectionString: h.database.url });
  await db.connect();
  try {
    await db.query('ANALYZE operator_audit');
    await db.query('SET enable_seqscan = off');
    await db.query('SET enable_sort = off');
    const cases: [Parameters<typeof auditPageQuery>[0], RegExp][] = [
      [{ limit: 50 }, /Index Scan Backward using operator_audit_pkey/],
      [
        { limit: 50, beforeId: 10n, actionPrefix: 'gates.', targetPrefix: 'tr' },
        /Index Scan Backward using operator_audit_pkey/,
      ],
      [{ limit: 50, from: new Date(0), before: new Date() }, /Index Scan Backward using operator_audit_pkey/],
      [{ limit: 50, merchant: 'trams', beforeId: 10n }, /Index Scan Backward using operator_audit_merchant/],
      [{ limit: 50, actor: 'operator:ada' }, /Index Scan Backward using operator_audit_actor/],
    ];
    for (const [filter, index] of cases) {
      const query = auditPageQuery(filter);
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.text}`, query.values);
      const text = rows.map((row) => row['QUERY PLAN']).join('\n');
      assert.match(text, index, text);
      assert.doesNotMatch(text, /Sort|Seq Scan/, text);
    }
  } finally {
    await db.end();
  }
});
