// `citypass risk rules show|put|shadow|promote` against a real wallet (with its identity): the live rule set is the
// template for a candidate; a file that is not JSON is not sent (exit 2); the wallet's refusals exit 1 with their
// reason; a candidate put runs in shadow, and once it decided enough it is promoted, and promoting again changes
// nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultRuleSet } from '@citypass/risk';
import { startWalletHarness, waitFor, type WalletHarness } from '../../../services/wallet/test/harness.ts';
import { run } from '../src/run.ts';
import { cliEnv } from './citypass.ts';

let h: WalletHarness;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'citypass-risk-rules-'));

before(async () => {
  h = await startWalletHarness({
    WALLET_RISK: 'on',
    WALLET_RISK_RULES_POLL_MS: '50',
    WALLET_RISK_PROMOTE_MIN_DECISIONS: '1',
  });
  env = cliEnv(h.identity, { CITYPASS_WALLET_GRPC: h.address });
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await h.stop();
});

async function citypass(...args: string[]): Promise<{ code: number; stdout: string; json: Record<string, unknown> }> {
  let stdout = '';
  const code = await run(['risk', 'rules', ...args], env, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: () => undefined,
    stderrIsTerminal: false,
  });
  const json = args.includes('--json') ? (JSON.parse(stdout) as Record<string, unknown>) : {};
  return { code, stdout, json };
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const reasonOf = (json: Record<string, unknown>): unknown => (json.error as { reason?: unknown } | undefined)?.reason;

test('risk rules - show, put, shadow and promote, with the exit codes of refusals and of bad files', async () => {
  const shown = await citypass('show', '--json');
  assert.equal(shown.code, 0, shown.stdout);
  const live = shown.json.live as { version: string; builtIn: boolean; ruleSet: typeof defaultRuleSet };
  assert.equal(live.version, defaultRuleSet.version);
  assert.equal(live.builtIn, true);
  assert.deepEqual(live.ruleSet, defaultRuleSet);
  assert.equal(shown.json.candidate, null);
  assert.match(
    (await citypass('show')).stdout,
    new RegExp(`live: ${defaultRuleSet.version} \\(\\d+ rules, built in\\)\\ncandidate: none in shadow`),
  );

  assert.equal((await citypass('put', file('broken.json', '{"version":'))).code, 2, 'not JSON: nothing sent');
  const unknownFeature = {
    ...live.ruleSet,
    version: 'cli-bad',
    rules: [
      {
        id: 'x',
        version: 1,
        kind: 'score',
        when: [{ feature: 'moon', op: '>', value: 1 }],
        points: 5,
        explanation: 'x',
      },
    ],
  };
  const refused = await citypass('put', file('bad.json', JSON.stringify(unknownFeature)), '--json');
  assert.equal(refused.code, 1);
  assert.equal(reasonOf(refused.json), 'RISK_RULE_SET_INVALID');
  const notRunning = await citypass('promote', 'cli-1', '--json');
  assert.equal(notRunning.code, 1);
  assert.equal(reasonOf(notRunning.json), 'RISK_SHADOW_NOT_RUNNING');

  const candidate = file('next.json', JSON.stringify({ ...live.ruleSet, version: 'cli-1' }));
  const put = await citypass('put', candidate, '--json');
  assert.equal(put.code, 0, put.stdout);
  assert.deepEqual(put.json, { ok: true, version: 'cli-1', started: true });
  assert.match((await citypass('put', candidate)).stdout, /candidate cli-1 was already running in shadow/);
  const tooFew = await citypass('promote', 'cli-1', '--json');
  assert.equal(tooFew.code, 1);
  assert.equal(reasonOf(tooFew.json), 'RISK_SHADOW_TOO_FEW_DECISIONS');

  const shop = await h.service('cli-shop');
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  await shop.wallet.charge({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor: 100n, currency: 'EUR' },
    presentation: phone.present(shop.name),
    reference: '',
    settlesTap: false,
  });
  await waitFor(
    async () => ((await citypass('shadow', '--json')).json.shadow as { decisions?: number }).decisions === 1,
    'the charge decided in shadow',
  );
  assert.match((await citypass('shadow')).stdout, /shadow: {3}1 decided, 1 alike, would decline 0/);
  const promoted = await citypass('promote', 'cli-1', '--json');
  assert.equal(promoted.code, 0, promoted.stdout);
  assert.equal(promoted.json.promoted, true);
  const again = await citypass('promote', 'cli-1');
  assert.equal(again.code, 0);
  assert.match(again.stdout, /cli-1 was already live/);
  assert.match((await citypass('show')).stdout, /live: cli-1 \(\d+ rules, promoted by .+\)\ncandidate: none in shadow/);
});
