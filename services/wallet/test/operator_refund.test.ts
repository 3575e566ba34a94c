// Operator refunds: a finance (or admin) operator refunds a captured hold with their own console token, naming the
// hold's service; a merchant-scoped one only their service's holds; other roles, other services' holds, the payer's
// leg and a service naming another service are refused and change nothing; a repeated key refunds once. The
// operator reads the hold (GetHold naming the service) under the same scope rules.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { WalletServiceService, type Hold } from '@citypass/proto/wallet/v1/wallet';
import { consoleClientEnv, operatorSession } from '../../identity/test/console_sign_in.ts';
import { secret } from '../../identity/test/harness.ts';
import { startWalletHarness, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
let cafe: ServiceClient;
const clientSecret = secret();
const env = consoleClientEnv(clientSecret);
const opened: PromiseClient<typeof WalletServiceService>[] = [];
before(async () => {
  h = await startWalletHarness({}, {}, {}, env);
  shop = await h.service('shop', ['refund:shop']);
  cafe = await h.service('cafe');
});
after(async () => {
  for (const each of opened) each.close();
  await h.stop();
});

async function walletAs(username: string, role: OperatorRole, merchant = '', department = '') {
  const client = {
    issuer: h.identity.issuer,
    clientId: 'console',
    clientSecret,
    redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS,
  };
  const session = await operatorSession(h.identity, client, username, [role], { merchant, department });
  const token = await session.accessToken('urn:citypass:wallet');
  const wallet = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(token) });
  opened.push(wallet);
  return wallet;
}

async function balanceOf(kind: string, owner: string): Promise<bigint> {
  const { rows } = await h.db.query<{ balance_minor: string }>(
    'SELECT balance_minor FROM accounts WHERE kind = $1 AND owner = $2',
    [kind, owner],
  );
  return BigInt(rows[0]?.balance_minor ?? 'NaN');
}

async function charged(service: ServiceClient, amountMinor: bigint): Promise<{ hold: Hold; residentId: string }> {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const { hold } = await service.wallet.charge({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor, currency: 'EUR' },
    presentation: phone.present(service.name),
    reference: 'order',
    settlesTap: false,
  });
  assert.ok(hold);
  return { hold, residentId: phone.residentId };
}

const key = (): string => randomBytes(12).toString('hex');

test("operator refund - a merchant-scoped finance operator refunds their service's captured hold, once per key", async () => {
  const { hold, residentId } = await charged(shop, 400n);
  const fay = await walletAs('fay', OperatorRole.OPERATOR_ROLE_FINANCE, 'shop');
  const merchantBefore = await balanceOf('merchant', 'shop');
  // The operator reads the hold first (the console's refund form shows what is left to refund).
  assert.equal((await fay.getHold({ holdId: hold.holdId, service: 'shop' })).hold?.capturedMinor, 400n);
  const request = { idempotencyKey: key(), holdId: hold.holdId, amountMinor: 150n, reason: 'damaged', service: 'shop' };
  const first = await fay.refund(request);
  assert.equal(first.hold?.refundedMinor, 150n);
  assert.notEqual(first.transferId, '');
  // A double submit of the same form: the first answer again, nothing moved twice.
  assert.deepEqual(await fay.refund(request), first);
  assert.equal(await balanceOf('resident', residentId), 1_000n - 400n + 150n);
  assert.equal(await balanceOf('merchant', 'shop'), merchantBefore - 150n);

  // More than is left to refund, and the payer's leg (an operator refunds the resident's leg only).
  assert.deepEqual(await refusalOf(fay.refund({ ...request, idempotencyKey: key(), amountMinor: 251n })), {
    kind: 'failed_precondition',
    reason: 'REFUND_EXCEEDS_CAPTURED',
  });
  assert.deepEqual(
    await refusalOf(fay.refund({ ...request, idempotencyKey: key(), amountMinor: 0n, payerAmountMinor: 1n })),
    { kind: 'permission_denied', reason: 'SCOPE_MISSING' },
  );
  assert.equal((await fay.refund({ ...request, idempotencyKey: key(), amountMinor: 250n })).hold?.refundedMinor, 400n);
  assert.equal(await balanceOf('resident', residentId), 1_000n);
});

test("operator refund - other merchants' holds, other roles and scopes are refused and change nothing", async () => {
  const { hold: cafeHold, residentId } = await charged(cafe, 300n);
  const fay = await walletAs('fey', OperatorRole.OPERATOR_ROLE_FINANCE, 'shop');
  const refund = (wallet: typeof fay, service: string) =>
    refusalOf(
      wallet.refund({ idempotencyKey: key(), holdId: cafeHold.holdId, amountMinor: 100n, reason: 'x', service }),
    );
  assert.deepEqual(await refund(fay, 'cafe'), { kind: 'permission_denied', reason: 'OPERATOR_OTHER_MERCHANT' });
  assert.deepEqual(await refusalOf(fay.getHold({ holdId: cafeHold.holdId, service: 'cafe' })), {
    kind: 'permission_denied',
    reason: 'OPERATOR_OTHER_MERCHANT',
  });
  // Naming their own service does not reach another service's hold.
  assert.deepEqual(await refund(fay, 'shop'), { kind: 'not_found', reason: 'HOLD_NOT_FOUND' });
  const auditor = await walletAs('audrey', OperatorRole.OPERATOR_ROLE_AUDITOR);
  assert.deepEqual(await refund(auditor, 'cafe'), { kind: 'permission_denied', reason: 'OPERATOR_ROLE_MISSING' });
  const transit = await walletAs('tess', OperatorRole.OPERATOR_ROLE_FINANCE, '', 'transit');
  assert.deepEqual(await refund(transit, 'cafe'), { kind: 'permission_denied', reason: 'OPERATOR_OUT_OF_SCOPE' });
  // A service refunds its own holds only, even naming another service.
  assert.deepEqual(await refund(shop.wallet, 'cafe'), { kind: 'permission_denied', reason: 'SCOPE_MISSING' });
  assert.equal(await balanceOf('resident', residentId), 1_000n - 300n);

  // An unscoped finance operator refunds any service's hold; a pending hold is not refundable yet.
  const ann = await walletAs('ann', OperatorRole.OPERATOR_ROLE_FINANCE);
  assert.equal(
    (
      await ann.refund({
        idempotencyKey: key(),
        holdId: cafeHold.holdId,
        amountMinor: 100n,
        reason: 'x',
        service: 'cafe',
      })
    ).hold?.refundedMinor,
    100n,
  );
  const phone = await h.resident();
  await h.topUp(phone, 500n);
  const { hold: pending } = await shop.wallet.authorize({
    idempotencyKey: key(),
    amount: { amountMinor: 200n, currency: 'EUR' },
    presentation: phone.present('shop'),
    reference: 'pending',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  assert.deepEqual(
    await refusalOf(
      ann.refund({
        idempotencyKey: key(),
        holdId: pending?.holdId ?? '',
        amountMinor: 1n,
        reason: 'x',
        service: 'shop',
      }),
    ),
    { kind: 'failed_precondition', reason: 'HOLD_NOT_CAPTURED' },
  );
});
