// `citypass reconcile` against a real wallet (with its identity): books in order exit 0; a break forged in the
// test's own ledger database exits 4 and is named with examples; a service's secret cannot read the books.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startWalletHarness, type Phone, type WalletHarness } from '../../../services/wallet/test/harness.ts';
import { run } from '../src/run.ts';
import { cliEnv } from './citypass.ts';
import { defaultRuleSet } from '@citypass/risk';

let h: WalletHarness;
let env: NodeJS.ProcessEnv;

before(async () => {
  h = await startWalletHarness();
  env = cliEnv(h.identity, { CITYPASS_WALLET_GRPC: h.address });
});

after(async () => {
  await h.stop();
});

interface Check {
  readonly name: string;
  readonly breaks: number;
  readonly examples: string[];
}

async function reconcile(
  args: string[] = ['--json'],
  environment = env,
  terminal = false,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(['reconcile', ...args], environment, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stderrIsTerminal: terminal,
  });
  return { code, stdout, stderr };
}

test('reconcile - books in order: exit 0, every check listed with no break', async () => {
  const shop = await h.service(`shop-${randomBytes(3).toString('hex')}`);
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  await shop.wallet.authorize({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor: 100n, currency: 'EUR' },
    presentation: phone.present(shop.name),
    reference: '',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  const { code, stdout } = await reconcile();
  assert.equal(code, 0, stdout);
  const answer = JSON.parse(stdout) as { ok: boolean; inOrder: boolean; checks: Check[] };
  assert.equal(answer.ok, true);
  assert.equal(answer.inOrder, true);
  assert.ok(answer.checks.length >= 10);
  assert.ok(answer.checks.every((check) => check.breaks === 0));

  // On a terminal a person sees the progress line, cleared before the answer.
  const shown = await reconcile([], env, true);
  assert.equal(shown.code, 0);
  assert.match(shown.stderr, /checking the books \(\d+\.\d s\)/);
  assert.ok(shown.stderr.endsWith('\r\u001b[K'));
  assert.match(shown.stdout, /the books are in order/);
});

test("reconcile - the operator's secret is needed: another client's token lacks wallet:admin and is refused", async () => {
  const other = await h.service(`svc-${randomBytes(3).toString('hex')}`);
  const { code, stdout } = await reconcile(['--json'], {
    ...env,
    CITYPASS_OPERATOR_CLIENT_ID: other.name,
    CITYPASS_OPERATOR_CLIENT_SECRET: other.clientSecret,
  });
  assert.equal(code, 1, stdout);
  const answer = JSON.parse(stdout) as { ok: boolean; error?: { reason: string } };
  assert.equal(answer.ok, false);
  assert.equal(answer.error?.reason, 'SCOPE_MISSING');
});

test('reconcile - a transfer credited to the wrong merchant: exit 4, the check named with examples', async () => {
  const shop = await h.service(`shop-${randomBytes(3).toString('hex')}`);
  const other = await h.service(`other-${randomBytes(3).toString('hex')}`);
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const { hold } = await shop.wallet.authorize({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor: 100n, currency: 'EUR' },
    presentation: phone.present(shop.name),
    reference: '',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  await shop.wallet.capture({
    idempotencyKey: randomBytes(12).toString('hex'),
    holdId: hold?.holdId ?? '',
    amountMinor: 100n,
  });
  // Forged in this test's own ledger database (committed, so the wallet's snapshot sees it), last in this file.
  const scratch = await h.db.connect();
  try {
    await scratch.query('BEGIN');
    await scratch.query('ALTER TABLE transfers DISABLE TRIGGER transfers_immutable');
    await scratch.query(
      `UPDATE transfers SET credit_account_id = (SELECT id FROM accounts WHERE kind = 'merchant' AND owner = $1) WHERE hold_id = $2`,
      [other.name, hold?.holdId],
    );
    await scratch.query('ALTER TABLE transfers ENABLE TRIGGER transfers_immutable');
    await scratch.query('COMMIT');
  } finally {
    scratch.release();
  }
  const { code, stdout } = await reconcile();
  assert.equal(code, 4, stdout);
  const answer = JSON.parse(stdout) as { ok: boolean; inOrder: boolean; checks: Check[] };
  assert.equal(answer.inOrder, false);
  const broken = answer.checks.find(
    (check) => check.name === "each hold transfer moves money between that hold's accounts, in the right direction",
  );
  assert.ok(broken !== undefined && broken.breaks > 0, JSON.stringify(answer.checks));
  assert.ok(
    broken.examples.some((example) => example.includes(hold?.holdId ?? '-')),
    broken.examples.join('; '),
  );
  const person = await reconcile([]);
  assert.equal(person.code, 4);
  assert.match(person.stdout, /^BREAK each hold transfer moves money/m);
});

test('risk explain - a hold names its decision (score, reasons, features); an unknown id is refused', async () => {
  const shop = await h.service(`shop-${randomBytes(3).toString('hex')}`);
  const firstPhone = await h.resident();
  await h.topUp(firstPhone, 1_000n);
  const authorize = (phone: Phone) =>
    shop.wallet.authorize({
      idempotencyKey: randomBytes(12).toString('hex'),
      amount: { amountMinor: 100n, currency: 'EUR' },
      presentation: phone.present(shop.name),
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
    });
  await authorize(firstPhone);
  // The same resident on a phone bound moments ago: the new-device rule adds its points.
  const { hold } = await authorize(await h.newPhone(firstPhone));
  const explain = async (args: string[]) => {
    let stdout = '';
    const code = await run(['risk', 'explain', ...args], env, {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => {},
    });
    return { code, stdout };
  };
  const answer = await explain([hold?.holdId ?? '', '--json']);
  assert.equal(answer.code, 0, answer.stdout);
  const { decision } = JSON.parse(answer.stdout) as {
    decision: { holdId: string; outcome: string; score: number; amount: { amountMinor: string }; reasons: unknown[] };
  };
  assert.equal(decision.holdId, hold?.holdId);
  assert.equal(decision.outcome, 'approve');
  assert.equal(decision.score, 30);
  assert.equal(decision.amount.amountMinor, '100');
  assert.deepEqual(decision.reasons, [
    {
      ruleId: 'new_device',
      ruleVersion: 2,
      points: 30,
      features: { device_age_days: 0, device_switched: 1 },
      explanation: 'you paid from another phone before, and this one was bound 0 days ago',
    },
  ]);
  const shown = await explain([hold?.holdId ?? '']);
  assert.ok(
    shown.stdout.startsWith(`approve (score step), score 30, rule set ${defaultRuleSet.version}\n`),
    shown.stdout,
  );
  assert.match(shown.stdout, / {2}new_device v2 \+30: device_age_days=0 device_switched=1\n/);

  const unknown = await explain(['00000000-0000-4000-8000-000000000000', '--json']);
  assert.equal(unknown.code, 1);
  assert.equal((JSON.parse(unknown.stdout) as { error: { reason: string } }).error.reason, 'RISK_DECISION_NOT_FOUND');
});
