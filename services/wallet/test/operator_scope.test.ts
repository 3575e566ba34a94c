// Delegated administration in the wallet: a finance operator scoped to one merchant reads that service's account,
// holds, settlement report and declines, and is refused every other service's and the city's books; a
// department-scoped operator reads nothing here. The scope comes from their own console token, not from the console.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { consoleClientEnv, signInOperator } from '../../identity/test/console_sign_in.ts';
import { secret } from '../../identity/test/harness.ts';
import { startWalletHarness, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
let cafe: ServiceClient;
const clientSecret = secret();
const env = consoleClientEnv(clientSecret);
const opened: PromiseClient<typeof WalletServiceService>[] = [];
before(async () => {
  h = await startWalletHarness({ WALLET_COUNTS_FLUSH_MS: '50' }, {}, {}, env);
  shop = await h.service('shop');
  cafe = await h.service('cafe');
});
after(async () => {
  for (const each of opened) each.close();
  await h.stop();
});

async function walletAs(username: string, scope: { merchant?: string; department?: string }) {
  const password = `pw-${secret()}`;
  await h.identity.operator.createOperator({
    idempotencyKey: `create-${username}`,
    username,
    roles: [OperatorRole.OPERATOR_ROLE_FINANCE],
    password,
    merchant: scope.merchant ?? '',
    department: scope.department ?? '',
  });
  const client = {
    issuer: h.identity.issuer,
    clientId: 'console',
    clientSecret,
    redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS,
  };
  const token = await (await signInOperator(client, username, password)).accessToken('urn:citypass:wallet');
  const wallet = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(token) });
  opened.push(wallet);
  return wallet;
}

const today = (): string => new Date().toISOString().slice(0, 10);
const otherMerchant = { kind: 'permission_denied', reason: 'OPERATOR_OTHER_MERCHANT' };
const outOfScope = { kind: 'permission_denied', reason: 'OPERATOR_OUT_OF_SCOPE' };

test("operator scope - a merchant-scoped finance operator reads their service's account and declines, not another's", async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const { hold } = await shop.wallet.authorize({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor: 400n, currency: 'EUR' },
    presentation: phone.present('shop'),
    reference: 'order-1',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  assert.ok(hold?.holdId);
  const fay = await walletAs('fay', { merchant: 'shop' });
  const balance = await fay.getBalance({ residentId: '', currency: '', service: 'shop' });
  assert.equal(balance.balance?.amountMinor, 0n);
  const holds = await fay.listHolds({ status: '', pageSize: 10, pageToken: '', service: 'shop' });
  assert.deepEqual(
    holds.holds.map((each) => each.holdId),
    [hold.holdId],
  );
  assert.equal((await fay.getSettlementReport({ date: today(), currency: 'EUR', service: 'shop' })).service, 'shop');

  assert.deepEqual(await refusalOf(fay.getBalance({ residentId: '', currency: '', service: 'cafe' })), otherMerchant);
  assert.deepEqual(
    await refusalOf(fay.listHolds({ status: '', pageSize: 10, pageToken: '', service: 'cafe' })),
    otherMerchant,
  );
  assert.deepEqual(
    await refusalOf(fay.getSettlementReport({ date: today(), currency: 'EUR', service: 'cafe' })),
    otherMerchant,
  );
  assert.deepEqual(await refusalOf(fay.getReconciliationReport({})), outOfScope);
  // Bad names are still bad names, scoped or not.
  assert.deepEqual(await refusalOf(fay.getBalance({ residentId: '', currency: '', service: 'Shop!' })), {
    kind: 'invalid_argument',
    reason: 'SERVICE_INVALID',
  });
});

test("operator scope - declines: a merchant-scoped operator's list holds only their service's rows", async () => {
  const phone = await h.resident();
  for (const service of [shop, cafe]) {
    const declined = service.wallet.authorize({
      idempotencyKey: randomBytes(12).toString('hex'),
      amount: { amountMinor: 900n, currency: 'EUR' },
      presentation: phone.present(service === shop ? 'shop' : 'cafe'),
      reference: 'too-much',
      holdTtlSeconds: 0,
      settlesTap: false,
    });
    assert.deepEqual(await refusalOf(declined), { kind: 'failed_precondition', reason: 'INSUFFICIENT_FUNDS' });
  }
  const admin = await walletAs('ann', {});
  const fay = await walletAs('fey', { merchant: 'shop' });
  let all: string[] = [];
  for (let attempt = 0; attempt < 100 && all.length < 2; attempt++) {
    all = (await admin.listDeclines({ date: today() })).declines.map((each) => each.service).sort();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(all, ['cafe', 'shop']);
  assert.deepEqual(
    (await fay.listDeclines({ date: today() })).declines.map((each) => [each.service, each.reason]),
    [['shop', 'INSUFFICIENT_FUNDS']],
  );
  assert.ok((await admin.getReconciliationReport({})).checks.length > 0);
});

test('operator scope - a department-scoped operator reads nothing in the wallet', async () => {
  const tess = await walletAs('tess', { department: 'transit' });
  assert.deepEqual(await refusalOf(tess.getBalance({ residentId: '', currency: '', service: 'shop' })), outOfScope);
  assert.deepEqual(await refusalOf(tess.listDeclines({ date: today() })), outOfScope);
  assert.deepEqual(await refusalOf(tess.getReconciliationReport({})), outOfScope);
});
