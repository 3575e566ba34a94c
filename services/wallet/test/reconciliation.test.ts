// The reconciliation report catches what the database's constraints cannot: money sent to the wrong merchant,
// holds stuck past their expiry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { operatorScopes, resources } from '@citypass/contracts';
import { isDomainError } from '@citypass/platform/errors';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { reconcileAndRecord, reconciliationReport } from '../src/app/reconciliation_report.ts';
import { ledgerBooks, reconciliationStore } from '../src/store/reconciliation.ts';
import { startWalletHarness, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
before(async () => {
  h = await startWalletHarness({
    WALLET_RISK_DAILY_LIMIT_MINOR: '1000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000',
  });
  shop = await h.service('shop');
});
after(async () => {
  await h.stop();
});

let brokenRunId = '';
const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });

test('reconciliation - catches money sent to the wrong merchant and holds stuck past expiry', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const other = await h.service('other');
  const { hold } = await shop.wallet.authorize({
    idempotencyKey: key(),
    amount: eur(100n),
    presentation: phone.present('shop'),
    reference: '',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  const scratch = await h.db.connect();
  try {
    // Forge a break inside a transaction that is rolled back: the books themselves stay intact for other tests.
    await scratch.query('BEGIN');
    await scratch.query('ALTER TABLE transfers DISABLE TRIGGER transfers_immutable');
    // A capture outside a batch is a batch of one (wallet_capture_once): wallet_capture leaves the merchant's credit
    // to its batch.
    await scratch.query(
      `SELECT wallet_capture_once(p_operation => 'shop:capture', p_key => $2, p_request_hash => $3, p_response => $3,
                                  p_event_id => gen_random_uuid(), p_event_subject => 'forged', p_event_payload => $3,
                                  p_event_headers => '{}', p_hold_id => $1, p_service => 'shop', p_amount_minor => 100,
                                  p_transfer_id => gen_random_uuid(), p_now => now())`,
      [hold?.holdId, key(), Buffer.alloc(1)],
    );
    await scratch.query(
      `UPDATE transfers SET credit_account_id = (SELECT id FROM accounts WHERE kind = 'merchant' AND owner = $1) WHERE hold_id = $2`,
      [other.name, hold?.holdId],
    );
    await scratch.query(
      "INSERT INTO holds (id, service, resident_id, resident_account_id, merchant_account_id, credential_id, mandate_nonce, currency, amount_minor, status, created_at, expires_at) SELECT gen_random_uuid(), service, resident_id, resident_account_id, merchant_account_id, credential_id, 'stuck-nonce', currency, 1, 'pending', now() - interval '2 days', now() - interval '1 day' FROM holds WHERE id = $1",
      [hold?.holdId],
    );
    const report = await reconciliationReport(ledgerBooks(scratch));
    const broken = report.checks.filter((check) => check.breaks > 0).map((check) => check.name);
    assert.equal(report.ok, false);
    assert.ok(
      broken.includes("each hold transfer moves money between that hold's accounts, in the right direction"),
      broken.join('; '),
    );
    assert.ok(broken.includes('no pending hold long past its expiry'), broken.join('; '));
    // The run is kept (written outside the checked snapshot), so the break stays on record once repaired.
    const kept = reconciliationStore(h.db);
    const run = await reconcileAndRecord({ ...kept, books: (work) => work(ledgerBooks(scratch)) }, 'scheduled');
    brokenRunId = run.id;
  } finally {
    await scratch.query('ROLLBACK');
    scratch.release();
  }
  assert.ok((await reconciliationReport(ledgerBooks(h.db))).ok);
});

test('reconciliation report over gRPC - the operator (wallet:admin) reads it; a service cannot', async () => {
  const { identity } = h;
  const tokenFor = async (clientId: string, secret: string, scope: string): Promise<string> => {
    const response = await identity.clientCredentialsToken(clientId, secret, resources.wallet, scope);
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const operatorToken = await tokenFor(
    'operator',
    identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
    operatorScopes.wallet,
  );
  const operator = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(operatorToken) });
  const report = await operator.getReconciliationReport({});
  assert.equal(report.inOrder, true, JSON.stringify(report.checks));
  assert.ok(report.checks.length >= 10);
  assert.ok(report.checks.every((check) => check.breaks === 0 && check.examples.length === 0));
  assert.ok(report.checkedAt instanceof Date);
  assert.match(report.runId, /^[0-9a-f-]{36}$/);
  // Every run is kept, newest first, in keyset pages: this one, then the broken one the first test recorded.
  const second = await operator.getReconciliationReport({});
  const first = await operator.listReconciliationRuns({ pageSize: 1, pageToken: '' });
  assert.deepEqual(
    first.runs.map((run) => [run.runId, run.inOrder, run.ranBy]),
    [[second.runId, true, 'client:operator']],
  );
  assert.notEqual(first.nextPageToken, '');
  const rest = await operator.listReconciliationRuns({ pageSize: 10, pageToken: first.nextPageToken });
  assert.deepEqual(
    rest.runs.map((run) => run.runId),
    [report.runId, brokenRunId],
  );
  assert.equal(rest.nextPageToken, '');
  const broken = rest.runs[1];
  assert.equal(broken?.inOrder, false);
  assert.equal(broken.ranBy, 'scheduled');
  assert.ok(
    broken.checks.some((check) => check.name === 'no pending hold long past its expiry' && check.breaks === 1),
    JSON.stringify(broken.checks),
  );
  assert.ok((rest.runs[0]?.checkedAt?.getTime() ?? 0) >= (broken.checkedAt?.getTime() ?? Infinity));
  await assert.rejects(
    operator.listReconciliationRuns({ pageSize: 1, pageToken: 'not-a-token' }),
    (error: unknown) =>
      isDomainError(error) && error.kind === 'invalid_argument' && error.reason === 'PAGE_TOKEN_INVALID',
  );
  await assert.rejects(shop.wallet.listReconciliationRuns({ pageSize: 1, pageToken: '' }), (error: unknown) => {
    assert.ok(isDomainError(error));
    assert.equal(error.kind, 'permission_denied');
    return true;
  });
  await assert.rejects(shop.wallet.getReconciliationReport({}), (error: unknown) => {
    assert.ok(isDomainError(error));
    assert.equal(error.kind, 'permission_denied');
    return true;
  });
  operator.close();
});
