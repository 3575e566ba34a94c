// The wallet's audit log of operator actions against real identity, PostgreSQL and gRPC: an operator's refund, a
// risk rule set candidate put and a promotion each write exactly one row (who, what, target, before and after, why)
// in the action's transaction; a repeat under the same key, a refused action and a service's own refund write none.
// ListAuditEvents pages newest first with transit's filters and reasons, and a delegated operator reads only their
// own merchant's rows; every page is a backward range scan of an index of the wallet's table.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { resources } from '@citypass/contracts';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { auditPageQuery } from '@citypass/platform/operator_audit';
import { refusalOf } from '@citypass/platform/testing';
import type { OperatorAuditEvent } from '@citypass/proto/common/v1/audit';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { WalletServiceService, type Hold, ListAuditEventsRequest } from '@citypass/proto/wallet/v1/wallet';
import { defaultRuleSet } from '@citypass/risk';
import { consoleClientEnv, operatorSession } from '../../identity/test/console_sign_in.ts';
import { secret } from '../../identity/test/harness.ts';
import { startWalletHarness, type ServiceClient, type WalletHarness } from './harness.ts';

type Wallet = PromiseClient<typeof WalletServiceService>;

let h: WalletHarness;
let shop: ServiceClient;
let cafe: ServiceClient;
/** Unscoped operators: an admin (rule sets, audit), a finance one (refunds), an auditor (audit only). */
let ada: Wallet;
let ann: Wallet;
let aud: Wallet;
const clientSecret = secret();
const env = consoleClientEnv(clientSecret);
const opened: Wallet[] = [];
before(async () => {
  h = await startWalletHarness(
    { WALLET_RISK: 'on', WALLET_RISK_RULES_POLL_MS: '50', WALLET_RISK_PROMOTE_MIN_DECISIONS: '1' },
    {},
    {},
    env,
  );
  shop = await h.service('shop', ['refund:shop']);
  cafe = await h.service('cafe');
  ada = await walletAs('ada', OperatorRole.OPERATOR_ROLE_ADMIN);
  ann = await walletAs('ann', OperatorRole.OPERATOR_ROLE_FINANCE);
  aud = await walletAs('aud', OperatorRole.OPERATOR_ROLE_AUDITOR);
});
after(async () => {
  for (const each of opened) each.close();
  await h.stop();
});

async function walletAs(username: string, role: OperatorRole, merchant = '', department = ''): Promise<Wallet> {
  const client = {
    issuer: h.identity.issuer,
    clientId: 'console',
    clientSecret,
    redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS,
  };
  const session = await operatorSession(h.identity, client, username, [role], { merchant, department });
  const token = await session.accessToken(resources.wallet);
  const wallet = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(token) });
  opened.push(wallet);
  return wallet;
}

const key = (): string => randomBytes(12).toString('hex');

async function charged(service: ServiceClient, amountMinor: bigint): Promise<Hold> {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const { hold } = await service.wallet.charge({
    idempotencyKey: key(),
    amount: { amountMinor, currency: 'EUR' },
    presentation: phone.present(service.name),
    reference: 'order',
    settlesTap: false,
  });
  assert.ok(hold);
  return hold;
}

const search = ListAuditEventsRequest.fromPartial({});

async function auditRows(): Promise<number> {
  const { rows } = await h.db.query<{ count: string }>('SELECT count(*) FROM operator_audit');
  return Number(rows[0]?.count);
}

async function newest(): Promise<OperatorAuditEvent> {
  const [event] = (await aud.listAuditEvents({ ...search, pageSize: 1 })).events;
  assert.ok(event !== undefined);
  return event;
}

const shape = (event: OperatorAuditEvent) => ({
  actor: event.actor,
  action: event.action,
  target: event.target,
  before: JSON.parse(event.beforeJson) as unknown,
  after: JSON.parse(event.afterJson) as unknown,
  reason: event.reason,
});

test('operator audit - a refund by an operator writes one row; its repeat, a refused one and a service refund none', async () => {
  const hold = await charged(shop, 400n);
  const rowsBefore = await auditRows();
  const request = { idempotencyKey: key(), holdId: hold.holdId, amountMinor: 150n, reason: 'damaged', service: 'shop' };
  await ann.refund(request);
  assert.equal(await auditRows(), rowsBefore + 1);
  assert.deepEqual(shape(await newest()), {
    actor: 'operator:ann',
    action: 'refunds.made',
    target: `hold:${hold.holdId}`,
    before: { refundedMinor: '0', payerRefundedMinor: '0', currency: 'EUR' },
    after: {
      refundedMinor: '150',
      payerRefundedMinor: '0',
      currency: 'EUR',
      amountMinor: '150',
      payerAmountMinor: '0',
    },
    reason: 'damaged',
  });
  // The same key again answers the first refund and writes nothing; a refusal writes nothing either.
  await ann.refund(request);
  assert.deepEqual(await refusalOf(ann.refund({ ...request, idempotencyKey: key(), amountMinor: 251n })), {
    kind: 'failed_precondition',
    reason: 'REFUND_EXCEEDS_CAPTURED',
  });
  const auditor = await refusalOf(aud.refund({ ...request, idempotencyKey: key(), amountMinor: 1n }));
  assert.deepEqual(auditor, { kind: 'permission_denied', reason: 'OPERATOR_ROLE_MISSING' });
  // The service refunding its own hold is no operator action.
  await shop.wallet.refund({ ...request, idempotencyKey: key(), amountMinor: 50n, service: '' });
  assert.equal(await auditRows(), rowsBefore + 1);
  // The second refund shows the first one's amount as before.
  await ann.refund({ ...request, idempotencyKey: key(), amountMinor: 100n, reason: '' });
  assert.deepEqual(JSON.parse((await newest()).beforeJson), {
    refundedMinor: '200',
    payerRefundedMinor: '0',
    currency: 'EUR',
  });
  // The log is append-only: the database refuses to change or remove a row.
  await assert.rejects(h.db.query("UPDATE operator_audit SET reason = 'x'"), /append-only/);
  await assert.rejects(h.db.query('DELETE FROM operator_audit'), /append-only/);
});

test('operator audit - putting a risk rule set candidate and promoting it write one row each', async () => {
  const rowsBefore = await auditRows();
  const ruleSetJson = JSON.stringify({ ...defaultRuleSet, version: 'audited-1' });
  assert.equal((await ada.putRiskRuleSetCandidate({ ruleSetJson })).started, true);
  assert.deepEqual(shape(await newest()), {
    actor: 'operator:ada',
    action: 'risk_rule_sets.candidate_put',
    target: 'risk_rule_sets:audited-1',
    before: { live: null, candidate: null },
    after: { live: null, candidate: 'audited-1' },
    reason: '',
  });
  // The same candidate again, a refused put and a refused promotion: nothing changed, nothing written.
  assert.equal((await ada.putRiskRuleSetCandidate({ ruleSetJson })).started, false);
  assert.deepEqual(await refusalOf(ada.putRiskRuleSetCandidate({ ruleSetJson: '{' })), {
    kind: 'invalid_argument',
    reason: 'RISK_RULE_SET_INVALID',
  });
  assert.deepEqual(await refusalOf(ada.promoteRiskRuleSet({ version: 'audited-1' })), {
    kind: 'failed_precondition',
    reason: 'RISK_SHADOW_TOO_FEW_DECISIONS',
  });
  assert.equal(await auditRows(), rowsBefore + 1);
  await charged(cafe, 100n);
  assert.equal((await ada.promoteRiskRuleSet({ version: 'audited-1' })).promoted, true);
  assert.deepEqual(shape(await newest()), {
    actor: 'operator:ada',
    action: 'risk_rule_sets.promoted',
    target: 'risk_rule_sets:audited-1',
    before: { live: null, candidate: 'audited-1' },
    after: { live: 'audited-1', candidate: null },
    reason: '',
  });
  assert.equal((await ada.promoteRiskRuleSet({ version: 'audited-1' })).promoted, false);
  assert.equal(await auditRows(), rowsBefore + 2);
});

test('operator audit - ListAuditEvents pages newest first with its filters; bad filters are refused', async () => {
  const hold = await charged(cafe, 300n);
  for (const amountMinor of [10n, 20n, 30n])
    await ann.refund({ idempotencyKey: key(), holdId: hold.holdId, amountMinor, reason: 'r', service: 'cafe' });
  const all = (await aud.listAuditEvents(search)).events;
  assert.equal(all.length, await auditRows());
  const ids = all.map((event) => BigInt(event.id));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => (a > b ? -1 : 1)),
    'newest first',
  );
  // Two at a time: the pages add up to the whole log, each once.
  const paged: string[] = [];
  let pageToken = '';
  do {
    const page = await aud.listAuditEvents({ ...search, pageSize: 2, pageToken });
    paged.push(...page.events.map((event) => event.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  assert.deepEqual(
    paged,
    all.map((event) => event.id),
  );
  const onHold = await aud.listAuditEvents({ ...search, targetPrefix: `hold:${hold.holdId}` });
  assert.deepEqual(
    onHold.events.map((event) => (JSON.parse(event.afterJson) as { amountMinor: string }).amountMinor),
    ['30', '20', '10'],
  );
  const rules = await aud.listAuditEvents({ ...search, actionPrefix: 'risk_rule_sets.' });
  assert.deepEqual(
    rules.events.map((event) => event.action),
    ['risk_rule_sets.promoted', 'risk_rule_sets.candidate_put'],
  );
  assert.ok(
    (await aud.listAuditEvents({ ...search, actor: 'operator:ada' })).events.every((e) => e.actor === 'operator:ada'),
  );
  assert.deepEqual((await aud.listAuditEvents({ ...search, actionPrefix: 'gates.' })).events, []);
  const future = new Date(Date.now() + 3_600_000);
  assert.deepEqual((await aud.listAuditEvents({ ...search, occurredFrom: future })).events, []);
  assert.equal((await aud.listAuditEvents({ ...search, occurredBefore: future })).events.length, all.length);

  const firstPage = await aud.listAuditEvents({ ...search, pageSize: 1 });
  const refusals = [
    [{ ...search, actor: 'x'.repeat(129) }, 'AUDIT_FILTER_INVALID'],
    [{ ...search, targetPrefix: 'a\u0000' }, 'AUDIT_FILTER_INVALID'],
    [{ ...search, occurredFrom: future, occurredBefore: future }, 'AUDIT_TIME_RANGE_INVALID'],
    [{ ...search, pageSize: 501 }, 'PAGE_SIZE_TOO_LARGE'],
    [{ ...search, pageToken: 'nonsense' }, 'PAGE_TOKEN_INVALID'],
    // A token is bound to the filters it was issued for.
    [{ ...search, actor: 'operator:ada', pageToken: firstPage.nextPageToken }, 'PAGE_TOKEN_INVALID'],
  ] as const;
  for (const [request, reason] of refusals)
    assert.deepEqual(await refusalOf(aud.listAuditEvents(request)), { kind: 'invalid_argument', reason });
  assert.equal((await aud.listAuditEvents({ ...search, actor: 'x'.repeat(128) })).events.length, 0);
});

test("operator audit - a merchant-scoped auditor reads their service's rows only; other roles and departments none", async () => {
  const shopHold = await charged(shop, 200n);
  await ann.refund({ idempotencyKey: key(), holdId: shopHold.holdId, amountMinor: 5n, reason: 'r', service: 'shop' });
  const shopAuditor = await walletAs('sam', OperatorRole.OPERATOR_ROLE_AUDITOR, 'shop');
  const events = (await shopAuditor.listAuditEvents(search)).events;
  const { rows } = await h.db.query<{ count: string }>("SELECT count(*) FROM operator_audit WHERE merchant = 'shop'");
  assert.equal(events.length, Number(rows[0]?.count));
  assert.ok(events.length >= 2);
  assert.ok(events.every((event) => event.action === 'refunds.made'));
  assert.ok((await aud.listAuditEvents(search)).events.some((event) => event.target.startsWith('risk_rule_sets:')));
  assert.ok((await aud.listAuditEvents(search)).events.length > events.length);

  const finance = await walletAs('fin', OperatorRole.OPERATOR_ROLE_FINANCE);
  assert.deepEqual(await refusalOf(finance.listAuditEvents(search)), {
    kind: 'permission_denied',
    reason: 'OPERATOR_ROLE_MISSING',
  });
  const health = await walletAs('hal', OperatorRole.OPERATOR_ROLE_AUDITOR, '', 'health');
  assert.deepEqual(await refusalOf(health.listAuditEvents(search)), {
    kind: 'permission_denied',
    reason: 'OPERATOR_OUT_OF_SCOPE',
  });
  assert.deepEqual(await refusalOf(shop.wallet.listAuditEvents(search)), {
    kind: 'permission_denied',
    reason: 'SCOPE_MISSING',
  });
  assert.equal((await ada.listAuditEvents({ ...search, pageSize: 1 })).events.length, 1);
});

test("operator audit - the wallet's pages are backward range scans of its indexes, never a sort", async () => {
  const db = new pg.Client({ connectionString: h.database.url });
  await db.connect();
  try {
    await db.query('ANALYZE operator_audit');
    await db.query('SET enable_seqscan = off');
    await db.query('SET enable_sort = off');
    const cases: [Parameters<typeof auditPageQuery>[0], RegExp][] = [
      [{ limit: 50 }, /Index Scan Backward using operator_audit_pkey/],
      [{ limit: 50, beforeId: 10n, actionPrefix: 'refunds.', targetPrefix: 'hold:' }, /operator_audit_pkey/],
      [{ limit: 50, merchant: 'shop', beforeId: 10n }, /Index Scan Backward using operator_audit_merchant/],
      [{ limit: 50, actor: 'operator:ann' }, /Index Scan Backward using operator_audit_actor/],
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
