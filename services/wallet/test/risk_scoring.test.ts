// The risk engine inside the wallet's authorize and charge (gRPC and NATS): an approval is stored with its hold, a
// block rule, a step-up and a score decline reach the caller with their own reason and move no money, every
// decision is explained by GetRiskDecision (operators only), and a restart rebuilds the engine's counters.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { walletRequestSubjects } from '@citypass/contracts';
import { request } from '@citypass/platform/bus';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { DomainError } from '@citypass/platform/errors';
import { outcomeOf } from '@citypass/platform/testing';
import { ChargeRequest, WalletServiceService, type RiskDecision } from '@citypass/proto/wallet/v1/wallet';
import { defaultRuleSet, feature, minAmountSamples, type RiskEvent } from '@citypass/risk';
import {
  startWalletHarness,
  waitFor,
  type Phone,
  type ServiceClient,
  type WalletHarness,
  walletOperatorToken,
} from './harness.ts';

let h: WalletHarness;
let operator: PromiseClient<typeof WalletServiceService>;
let nc: NatsConnection;
before(async () => {
  h = await startWalletHarness({
    WALLET_COUNTS_FLUSH_MS: '50',
    WALLET_RISK: 'on',
    WALLET_RISK_BLOCK_LIST: 'merchant:blocked-shop',
  });
  const token = await walletOperatorToken(h.identity);
  operator = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(token) });
  nc = await connect({ servers: h.identity.nats.url });
});
after(async () => {
  await nc.close();
  operator.close();
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });
const chargeOf = (shop: ServiceClient, phone: Phone, amountMinor: bigint) =>
  shop.wallet.charge({
    idempotencyKey: key(),
    amount: eur(amountMinor),
    presentation: phone.present(shop.name),
    reference: '',
    settlesTap: false,
  });

async function balanceOf(phone: Phone): Promise<string | undefined> {
  const result = await h.db.query<{ balance_minor: string }>(
    "SELECT balance_minor FROM accounts WHERE kind = 'resident' AND owner = $1",
    [phone.residentId],
  );
  return result.rows[0]?.balance_minor;
}

async function holdsOf(phone: Phone): Promise<number> {
  const result = await h.db.query('SELECT 1 FROM holds WHERE resident_id = $1', [phone.residentId]);
  return result.rowCount ?? 0;
}

/** The refusal of `call`, which must be `kind` with `reason`. */
async function refusalOf(call: Promise<unknown>, kind: string, reason: string): Promise<DomainError> {
  const error = await call.then(
    () => assert.fail('the call succeeded'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(`${error.kind}:${error.reason}`, `${kind}:${reason}`);
  return error;
}

/** The decision id a refusal names (its message), and the decision once the batch writer has stored it. */
async function refusedDecision(error: DomainError): Promise<RiskDecision> {
  const decisionId = /risk decision ([0-9a-f-]{36})/.exec(error.message)?.[1] ?? '';
  assert.notEqual(decisionId, '', 'the refusal names its decision');
  let decision: RiskDecision | undefined;
  await waitFor(async () => {
    decision = (await operator.getRiskDecision({ decisionId, holdId: '' }).catch(() => ({ decision: undefined })))
      .decision;
    return decision !== undefined;
  }, 'the refused decision stored');
  assert.ok(decision);
  return decision;
}

test('risk - a normal charge is approved and its decision is stored with the hold', async () => {
  const shop = await h.service('grocer');
  const phone = await h.resident();
  await h.topUp(phone, 10_000n);
  const { hold } = await chargeOf(shop, phone, 250n);
  const { decision } = await operator.getRiskDecision({ decisionId: '', holdId: hold?.holdId ?? '' });
  assert.ok(decision);
  assert.equal(decision.holdId, hold?.holdId);
  assert.equal(decision.outcome, 'approve');
  assert.equal(decision.stage, 'score');
  assert.equal(decision.refusalReason, '');
  assert.equal(decision.ruleSetVersion, defaultRuleSet.version);
  assert.equal(decision.residentId, phone.residentId);
  assert.deepEqual(decision.amount, eur(250n));
  // A credential issued moments ago to the resident's first phone: new, but no other phone paid before, so no
  // new-device points (every resident enrolls on a new phone).
  assert.equal(decision.score, 0);
  assert.deepEqual(decision.reasons, []);
  assert.equal(await balanceOf(phone), '9750');
});

test('risk - a repeat of a charge that committed gets its first answer and stores no second decision', async () => {
  const shop = await h.service('baker');
  const phone = await h.resident();
  await h.topUp(phone, 10_000n);
  const charge = {
    idempotencyKey: key(),
    amount: eur(300n),
    presentation: phone.present(shop.name),
    reference: '',
    settlesTap: false,
  };
  const first = await shop.wallet.charge(charge);
  const repeats = await Promise.all([shop.wallet.charge(charge), shop.wallet.charge(charge)]);
  for (const repeat of repeats) assert.deepEqual(repeat, first);
  const decisions = await h.db.query('SELECT hold_id FROM risk_decisions WHERE resident_id = $1', [phone.residentId]);
  assert.deepEqual(
    decisions.rows.map((row: { hold_id: string }) => row.hold_id),
    [first.hold?.holdId],
  );
  assert.equal(await balanceOf(phone), '9700');
});

test('risk - a block rule declines RISK_BLOCKED with no score and moves nothing', async () => {
  const blocked = await h.service('blocked-shop');
  const phone = await h.resident();
  await h.topUp(phone, 10_000n);
  const error = await refusalOf(chargeOf(blocked, phone, 250n), 'permission_denied', 'RISK_BLOCKED');
  assert.equal(await balanceOf(phone), '10000');
  assert.equal(await holdsOf(phone), 0);
  const decision = await refusedDecision(error);
  assert.equal(decision.outcome, 'decline');
  assert.equal(decision.stage, 'block');
  assert.equal(decision.score, undefined);
  assert.equal(decision.refusalReason, 'RISK_BLOCKED');
  assert.equal(decision.ruleReason, 'MERCHANT_BLOCKED');
  assert.equal(decision.holdId, '');
  assert.deepEqual(decision.reasons[0]?.features, { merchant_blocked: 1 });
});

test('risk - an unusual amount on a new phone steps up (over NATS), a far larger one declines by score', async () => {
  const bakery = await h.service('bakery');
  // The bakery's usual amounts: 100 and 200, minAmountSamples of them (the engine's z-score is on log amounts per
  // merchant, and counts only from that many), from three regulars (under the per-minute authorization limit).
  const regulars = await Promise.all([h.resident(), h.resident(), h.resident()]);
  for (const regular of regulars) await h.topUp(regular, 10_000n);
  for (let index = 0; index < minAmountSamples; index++) {
    const regular = regulars[index % regulars.length];
    assert.ok(regular);
    await chargeOf(bakery, regular, index % 2 === 0 ? 100n : 200n);
  }
  const corner = await h.service('corner-shop');
  /** A resident who paid from a first phone and now presents from a second one, bound moments ago. */
  const switchedPhone = async (): Promise<Phone> => {
    const first = await h.resident();
    await h.topUp(first, 10_000n);
    await chargeOf(corner, first, 150n);
    return h.newPhone(first);
  };

  const stepped = await switchedPhone();
  const charge = ChargeRequest.encode({
    idempotencyKey: key(),
    amount: eur(260n),
    presentation: stepped.present('bakery'),
    reference: '',
    settlesTap: false,
  }).finish();
  const headers = { Authorization: `Bearer ${bakery.token}` };
  const steppedUp = await refusalOf(
    request(nc, walletRequestSubjects.charge, charge, { deadlineMs: Date.now() + 5_000, headers }),
    'permission_denied',
    'STEP_UP_REQUIRED',
  );
  assert.equal(await balanceOf(stepped), '9850');
  const stepUp = await refusedDecision(steppedUp);
  assert.equal(stepUp.outcome, 'step_up');
  assert.equal(stepUp.ruleReason, 'NEW_DEVICE_UNUSUAL_AMOUNT');
  const [stepUpRule] = stepUp.reasons;
  assert.ok(stepUpRule);
  assert.equal(stepUpRule.ruleId, 'new_device_unusual_amount');
  assert.equal(stepUpRule.features.device_switched, 1, 'the resident paid from another phone before');
  assert.equal(stepUp.score, 45, 'new_device 30 + new_merchant_large 15: under the decline threshold');

  // The same far larger amount: from a first phone it is only unusual (approved); from a switched one it declines.
  const firstPhone = await h.resident();
  await h.topUp(firstPhone, 10_000n);
  const { hold } = await chargeOf(bakery, firstPhone, 5_000n);
  const approved = (await operator.getRiskDecision({ decisionId: '', holdId: hold?.holdId ?? '' })).decision;
  assert.equal(approved?.outcome, 'approve');
  assert.deepEqual(
    approved.reasons.map((reason) => reason.ruleId),
    ['unusual_amount', 'very_unusual_amount', 'new_merchant_large'],
  );

  const declined = await switchedPhone();
  const holdsBefore = await holdsOf(declined);
  const error = await refusalOf(chargeOf(bakery, declined, 5_000n), 'permission_denied', 'RISK_DECLINED');
  assert.equal(await balanceOf(declined), '9850');
  assert.equal(await holdsOf(declined), holdsBefore);
  const decision = await refusedDecision(error);
  assert.equal(decision.outcome, 'decline');
  assert.equal(decision.stage, 'score');
  assert.equal(decision.ruleReason, 'RISK_SCORE_DECLINE');
  assert.ok((decision.score ?? 0) >= 75, `score ${decision.score} at or above the decline threshold`);
  assert.deepEqual(
    decision.reasons.map((reason) => reason.ruleId),
    ['new_device', 'unusual_amount', 'very_unusual_amount'],
  );
});

test('risk - a restart rebuilds the counters from the stored decisions', async () => {
  const kiosk = await h.service('kiosk');
  const phone = await h.resident();
  await h.topUp(phone, 10_000n);
  for (let index = 0; index < 3; index++) await chargeOf(kiosk, phone, 100n);
  await h.restartWallet();
  const { hold } = await chargeOf(kiosk, phone, 100n);
  const { decision } = await operator.getRiskDecision({ decisionId: '', holdId: hold?.holdId ?? '' });
  assert.ok(decision);
  const burst = decision.reasons.find((reason) => reason.ruleId === 'burst');
  assert.deepEqual(burst?.features, { recent_events_10min: 3 }, 'the three charges before the restart still count');
  assert.equal(decision.outcome, 'approve');
});

test('risk - payments the ledger refused are attempts, not money spent, and a restart rebuilds the same state', async () => {
  const newsagent = await h.service('newsagent');
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  await chargeOf(newsagent, phone, 300n);
  const tooMuch = () => ({
    idempotencyKey: key(),
    amount: eur(5_000n),
    presentation: phone.present(newsagent.name),
    reference: '',
    settlesTap: false,
    holdTtlSeconds: 0,
  });
  const requests = [tooMuch(), tooMuch(), tooMuch(), tooMuch()];
  for (const refused of [...requests, requests[0]]) {
    await refusalOf(newsagent.wallet.authorize(refused ?? tooMuch()), 'failed_precondition', 'INSUFFICIENT_FUNDS');
  }
  const refusedRows = async () =>
    (
      await h.db.query<{ event: Record<string, unknown>; refusal_reason: string }>(
        'SELECT event, refusal_reason FROM risk_decisions WHERE resident_id = $1 AND hold_id IS NULL',
        [phone.residentId],
      )
    ).rows;
  await waitFor(async () => (await refusedRows()).length >= requests.length, 'the ledger refusals stored');
  const stored = (await refusedRows())[0];
  assert.ok(stored);
  assert.equal(stored.refusal_reason, 'INSUFFICIENT_FUNDS');
  // The next payment here, a minute after the last refusal, as the live engine and a restarted one see it.
  const refusedAtMs = Math.max(...(await refusedRows()).map((row) => Number(row.event.atMs)));
  const probe = { ...stored.event, atMs: refusedAtMs + 60_000, amountMinor: 100n, maxFareMinor: null } as RiskEvent;
  const live = h.wallet.riskEngine?.featuresOf(probe);
  await h.restartWallet();
  assert.deepEqual(h.wallet.riskEngine?.featuresOf(probe), live, 'a restart rebuilds the state the live wallet had');
  assert.equal((await refusedRows()).length, requests.length, 'a repeat of a refused key is not stored twice');
  assert.ok(live);
  const about = (name: keyof typeof feature) => Math.round(live[feature[name]] ?? Number.NaN);
  const spent = live[feature.resident_amount_1h] ?? Number.NaN;
  assert.ok(spent > 290 && spent <= 300, `only the 300 paid is spent (decaying over a minute), not ${spent}`);
  assert.equal(about('resident_count_1h'), 1);
  assert.equal(about('recent_events_10min'), 1);
  assert.equal(about('merchant_count_1h'), 1 + requests.length, 'the refused attempts count at the merchant');
});

test('risk - GetRiskDecision needs one UUID, finds only what exists and is for operators only', async () => {
  const shop = await h.service('reader-shop');
  const unknown = '00000000-0000-4000-8000-000000000000';
  assert.equal(
    await outcomeOf(operator.getRiskDecision({ decisionId: '', holdId: '' })),
    'invalid_argument:RISK_DECISION_ID_INVALID',
  );
  assert.equal(
    await outcomeOf(operator.getRiskDecision({ decisionId: unknown, holdId: unknown })),
    'invalid_argument:RISK_DECISION_ID_INVALID',
  );
  assert.equal(
    await outcomeOf(operator.getRiskDecision({ decisionId: 'not-a-uuid', holdId: '' })),
    'invalid_argument:RISK_DECISION_ID_INVALID',
  );
  assert.equal(
    await outcomeOf(operator.getRiskDecision({ decisionId: unknown, holdId: '' })),
    'not_found:RISK_DECISION_NOT_FOUND',
  );
  assert.equal(
    await outcomeOf(shop.wallet.getRiskDecision({ decisionId: unknown, holdId: '' })),
    'permission_denied:SCOPE_MISSING',
  );
});
