// The risk rule-set API (issue 13) against real PostgreSQL and gRPC, with two wallet instances on one database: bad
// input is refused with its exact reason and changes nothing live; a candidate runs in shadow on both instances and
// its tally adds up their payments; promotion is refused while the candidate saw too little or declines too much,
// then changes live decisions on both instances, and repeating it changes nothing.
// First: the wallet's instruments are made as its modules load.
import { counterValues } from './metric_reader.ts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { resources } from '@citypass/contracts';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { refusalOf } from '@citypass/platform/testing';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { defaultRuleSet, type Rule, type RuleSet } from '@citypass/risk';
import { consoleClientEnv, signInOperator } from '../../identity/test/console_sign_in.ts';
import { secret } from '../../identity/test/harness.ts';
import { startWallet, type RunningWallet } from '../src/server.ts';
import {
  startWalletHarness,
  waitFor,
  type Phone,
  type ServiceClient,
  type WalletHarness,
  walletOperatorToken,
} from './harness.ts';

type Wallet = PromiseClient<typeof WalletServiceService>;

let h: WalletHarness;
let second: RunningWallet;
let secondRunning = false;
/** The deployment's operator client (every role) on the first and the second instance. */
let admin: Wallet;
let admin2: Wallet;
let shop: ServiceClient;
/** The shop's own token on the second instance. */
let shop2: Wallet;
const clientSecret = secret();
const consoleEnv = consoleClientEnv(clientSecret);
const opened: Wallet[] = [];
const minDecisions = 10;

before(async () => {
  h = await startWalletHarness(
    {
      WALLET_RISK: 'on',
      WALLET_RISK_RULES_POLL_MS: '50',
      WALLET_COUNTS_FLUSH_MS: '50',
      WALLET_RISK_PROMOTE_MIN_DECISIONS: String(minDecisions),
    },
    {},
    {},
    consoleEnv,
  );
  second = await startWallet(h.config, createLogger('wallet-2', 'error'));
  secondRunning = true;
  const token = await walletOperatorToken(h.identity);
  admin = client(h.address, token);
  admin2 = client(`127.0.0.1:${second.grpcPort}`, token);
  shop = await h.service('shop');
  shop2 = client(`127.0.0.1:${second.grpcPort}`, shop.token);
});
after(async () => {
  for (const each of opened) each.close();
  if (secondRunning) await second.stop();
  await h.stop();
});

function client(address: string, token: string): Wallet {
  const wallet = promiseClient(WalletServiceService, address, { metadata: () => bearer(token) });
  opened.push(wallet);
  return wallet;
}

/** A console operator with `roles` (unscoped unless `merchant`), signed in, on the first instance. */
async function operatorWith(username: string, roles: OperatorRole[], merchant = ''): Promise<Wallet> {
  const password = `pw-${secret()}`;
  await h.identity.operator.createOperator({
    idempotencyKey: `create-${username}`,
    username,
    roles,
    password,
    merchant,
    department: '',
  });
  const console = {
    issuer: h.identity.issuer,
    clientId: 'console',
    clientSecret,
    redirectUri: consoleEnv.IDENTITY_CONSOLE_REDIRECT_URIS,
  };
  return client(h.address, await (await signInOperator(console, username, password)).accessToken(resources.wallet));
}

const withRule = (version: string, rule: Rule): RuleSet => ({
  ...defaultRuleSet,
  version,
  rules: [...defaultRuleSet.rules, rule],
});
/** Declines any payment of 50.00 or more by score (99 points); the built-in rule set approves them. */
const largeAmounts = withRule('large-amounts-1', {
  id: 'large_amount',
  version: 1,
  kind: 'score',
  when: [{ feature: 'amount_minor', op: '>=', value: 5_000 }],
  points: 99,
  explanation: 'a payment of 50.00 or more',
});
/** Declines every payment (a block rule on any amount). */
const declinesAll = withRule('declines-all-1', {
  id: 'everything',
  version: 1,
  kind: 'block',
  when: [{ feature: 'amount_minor', op: '>=', value: 0 }],
  reason: 'EVERYTHING',
  explanation: 'every payment',
});

const put = (wallet: Wallet, ruleSet: unknown) =>
  wallet.putRiskRuleSetCandidate({ ruleSetJson: JSON.stringify(ruleSet) });

const charge = (wallet: Wallet, phone: Phone, amountMinor: bigint) =>
  wallet.charge({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor, currency: 'EUR' },
    presentation: phone.present(shop.name),
    reference: '',
    settlesTap: false,
  });

async function residents(count: number): Promise<Phone[]> {
  const phones = await Promise.all(Array.from({ length: count }, () => h.resident()));
  for (const phone of phones) await h.topUp(phone, 100_000n);
  return phones;
}

/** What every bad input must leave: the built-in rule set live, and the candidate as it was. */
async function assertNothingLiveChanged(candidate: string | undefined): Promise<void> {
  const sets = await admin.getRiskRuleSets({});
  assert.equal(sets.live?.version, defaultRuleSet.version);
  assert.equal(sets.live.builtIn, true);
  assert.equal(sets.candidate?.version, candidate);
  assert.equal(sets.instanceLiveVersion, defaultRuleSet.version);
}

/** Waits until the second instance runs `version` in shadow (or none, for ''), and lives by `live`. */
async function secondFollows(candidate: string, live: string): Promise<void> {
  await waitFor(
    async () => {
      const sets = await admin2.getRiskRuleSets({});
      return sets.instanceCandidateVersion === candidate && sets.instanceLiveVersion === live;
    },
    `second instance on ${live} with ${candidate || 'no'} candidate`,
  );
}

const invalid = { kind: 'invalid_argument', reason: 'RISK_RULE_SET_INVALID' };

test('risk rule sets - the built-in rule set is live; with no candidate the report and promotion are refused', async () => {
  const sets = await admin.getRiskRuleSets({});
  assert.equal(sets.live?.version, defaultRuleSet.version);
  assert.equal(sets.live.builtIn, true);
  assert.equal(sets.live.ruleCount, defaultRuleSet.rules.length);
  assert.deepEqual(JSON.parse(sets.live.ruleSetJson), defaultRuleSet);
  assert.equal(sets.candidate, undefined);
  assert.equal(sets.instanceCandidateVersion, '');
  const notRunning = { kind: 'failed_precondition', reason: 'RISK_SHADOW_NOT_RUNNING' };
  assert.deepEqual(await refusalOf(admin.getRiskShadowReport({})), notRunning);
  assert.deepEqual(await refusalOf(admin.promoteRiskRuleSet({ version: 'large-amounts-1' })), notRunning);
});

test('risk rule sets - bad input is refused with its reason and changes nothing live', async () => {
  assert.deepEqual(await refusalOf(admin.putRiskRuleSetCandidate({ ruleSetJson: '{"version": ' })), invalid);
  const unknownFeature = withRule('bad-1', {
    id: 'moon',
    version: 1,
    kind: 'score',
    when: [{ feature: 'moon_phase' as 'amount_minor', op: '>', value: 1 }],
    points: 10,
    explanation: 'full moon',
  });
  const error = await admin.putRiskRuleSetCandidate({ ruleSetJson: JSON.stringify(unknownFeature) }).then(
    () => assert.fail('accepted'),
    (caught: unknown) => caught as Error,
  );
  assert.match(error.message, /unknown feature "moon_phase"/);
  const outOfRange = { ...largeAmounts, version: 'bad-2', thresholds: { default: { review: 65, decline: 120 } } };
  assert.deepEqual(await refusalOf(put(admin, outOfRange)), invalid);
  const valueOutOfRange = withRule('bad-3', {
    id: 'share',
    version: 1,
    kind: 'score',
    when: [{ feature: 'merchant_new_resident_share_today', op: '>', value: 7 }],
    points: 10,
    explanation: 'more than all',
  });
  assert.deepEqual(await refusalOf(put(admin, valueOutOfRange)), invalid);
  assert.deepEqual(await refusalOf(put(admin, { ...largeAmounts, version: defaultRuleSet.version })), invalid);
  assert.deepEqual(await refusalOf(admin.putRiskRuleSetCandidate({ ruleSetJson: 'x'.repeat(70_000) })), {
    kind: 'invalid_argument',
    reason: 'FIELD_TOO_LONG',
  });
  await assertNothingLiveChanged(undefined);
  // Roles and scope: a finance operator reads but may not change; a merchant-scoped admin reaches none of it.
  const finance = await operatorWith('fin', [OperatorRole.OPERATOR_ROLE_FINANCE]);
  assert.equal((await finance.getRiskRuleSets({})).live?.version, defaultRuleSet.version);
  const roleMissing = { kind: 'permission_denied', reason: 'OPERATOR_ROLE_MISSING' };
  assert.deepEqual(await refusalOf(put(finance, largeAmounts)), roleMissing);
  assert.deepEqual(await refusalOf(finance.promoteRiskRuleSet({ version: 'large-amounts-1' })), roleMissing);
  const scoped = await operatorWith('shopadmin', [OperatorRole.OPERATOR_ROLE_ADMIN], 'shop');
  assert.deepEqual(await refusalOf(scoped.getRiskRuleSets({})), {
    kind: 'permission_denied',
    reason: 'OPERATOR_OUT_OF_SCOPE',
  });
  assert.deepEqual(await refusalOf(put(scoped, largeAmounts)), {
    kind: 'permission_denied',
    reason: 'OPERATOR_OUT_OF_SCOPE',
  });
  await assertNothingLiveChanged(undefined);
});

test('risk rule sets - a candidate that declines everything in shadow is not promoted; live keeps deciding', async () => {
  const started = await put(admin, declinesAll);
  assert.equal(started.started, true);
  assert.equal(started.candidate?.version, 'declines-all-1');
  await secondFollows('declines-all-1', defaultRuleSet.version);
  const phones = await residents(2);
  for (const [index, phone] of phones.entries()) {
    await charge(index === 0 ? shop.wallet : shop2, phone, 300n);
    await charge(index === 0 ? shop.wallet : shop2, phone, 400n);
  }
  await waitFor(async () => (await admin.getRiskShadowReport({})).shadow?.decisions === 4, 'both instances tallied');
  const report = await admin.getRiskShadowReport({});
  assert.equal(report.shadow?.candidateDeclines, 4);
  assert.equal(report.shadow.wouldDecline, 4);
  assert.deepEqual(report.shadow.wouldDeclineByRule, { everything: 4 });
  assert.equal(report.backtest?.decisions, report.backtest?.candidateDeclines, 'the backtest declines all it saw');
  assert.ok((report.backtest?.decisions ?? 0) >= 4);
  assert.deepEqual(await refusalOf(admin.promoteRiskRuleSet({ version: 'declines-all-1' })), {
    kind: 'failed_precondition',
    reason: 'RISK_SHADOW_DECLINES_TOO_MANY',
  });
  await assertNothingLiveChanged('declines-all-1');
  const first = phones[0];
  assert.ok(first);
  assert.ok((await charge(shop.wallet, first, 500n)).hold?.holdId, 'live still approves');
});

test('risk rule sets - shadow tallies both instances, promotion changes live decisions on both, and repeats change nothing', async () => {
  const started = await put(admin, largeAmounts);
  assert.equal(started.started, true);
  assert.equal((await admin.getRiskRuleSets({})).candidate?.version, 'large-amounts-1', 'it replaced the other');
  // A used version with other content is refused; the same candidate again is a repeat.
  assert.deepEqual(await refusalOf(put(admin, { ...largeAmounts, version: 'declines-all-1' })), invalid);
  assert.equal((await put(admin2, largeAmounts)).started, false);
  await secondFollows('large-amounts-1', defaultRuleSet.version);
  assert.deepEqual(await refusalOf(admin.promoteRiskRuleSet({ version: 'large-amounts-1' })), {
    kind: 'failed_precondition',
    reason: 'RISK_SHADOW_TOO_FEW_DECISIONS',
  });
  assert.deepEqual(await refusalOf(admin.promoteRiskRuleSet({ version: 'declines-all-1' })), {
    kind: 'failed_precondition',
    reason: 'RISK_SHADOW_NOT_RUNNING',
  });

  const metricBefore = await counterValues('citypass.wallet.risk.shadow_decisions');
  const phones = await residents(4);
  for (const [index, phone] of phones.entries()) {
    for (let count = 0; count < 5; count++) await charge(index % 2 === 0 ? shop.wallet : shop2, phone, 250n);
  }
  // Live approves a large payment the candidate would decline.
  const [first, other] = phones;
  assert.ok(first && other);
  assert.ok((await charge(shop2, first, 6_000n)).hold?.holdId);
  await waitFor(
    async () => (await admin.getRiskShadowReport({})).shadow?.decisions === 21,
    'both instances tallied 21',
  );
  const report = await admin.getRiskShadowReport({});
  assert.equal(report.candidateVersion, 'large-amounts-1');
  assert.equal(report.liveVersion, defaultRuleSet.version);
  assert.deepEqual(
    { ...report.shadow, wouldDeclineByRule: { ...report.shadow?.wouldDeclineByRule } },
    {
      decisions: 21,
      same: 20,
      wouldDecline: 1,
      wouldApprove: 0,
      wouldStepUp: 0,
      wouldReview: 0,
      candidateDeclines: 1,
      liveDeclines: 0,
      wouldDeclineByRule: { score: 1 },
    },
  );
  assert.equal(report.minDecisions, minDecisions);
  // The metric counts the same pairs of outcomes (live / candidate), on both instances of this process.
  const metricAfter = await counterValues('citypass.wallet.risk.shadow_decisions');
  const added = (pair: string): number => (metricAfter.get(pair) ?? 0) - (metricBefore.get(pair) ?? 0);
  assert.deepEqual([added('approve/approve'), added('approve/decline')], [20, 1]);
  assert.equal(report.backtest?.wouldDeclineByRule.score, 1, 'the backtest finds the one large payment stored');

  const promoted = await admin.promoteRiskRuleSet({ version: 'large-amounts-1' });
  assert.equal(promoted.promoted, true);
  assert.equal(promoted.live?.version, 'large-amounts-1');
  assert.equal(promoted.shadow?.decisions, 21);
  await secondFollows('', 'large-amounts-1');
  const sets = await admin.getRiskRuleSets({});
  assert.equal(sets.live?.version, 'large-amounts-1');
  assert.equal(sets.live.builtIn, false);
  assert.notEqual(sets.live.promotedBy, '');
  assert.equal(sets.candidate, undefined);
  // The same large payment is declined now, on either instance; small ones are approved.
  for (const wallet of [shop.wallet, shop2])
    assert.deepEqual(await refusalOf(charge(wallet, other, 6_000n)), {
      kind: 'permission_denied',
      reason: 'RISK_DECLINED',
    });
  assert.ok((await charge(shop2, other, 250n)).hold?.holdId);

  const again = await admin2.promoteRiskRuleSet({ version: 'large-amounts-1' });
  assert.equal(again.promoted, false);
  assert.equal(again.live?.version, 'large-amounts-1');
  assert.equal(again.live.promotedAt?.getTime(), promoted.live.promotedAt?.getTime());
  assert.deepEqual((await h.db.query('SELECT version, status FROM risk_rule_sets ORDER BY created_at')).rows, [
    { version: 'declines-all-1', status: 'withdrawn' },
    { version: 'large-amounts-1', status: 'live' },
  ]);
});

test('risk rule sets - a restarted instance starts with the stored live rule set', async () => {
  // The second instance is done with: stopped first, so the restart does not need both instances' connections.
  secondRunning = false;
  await second.stop();
  await h.restartWallet();
  const sets = await admin.getRiskRuleSets({});
  assert.equal(sets.instanceLiveVersion, 'large-amounts-1');
});
