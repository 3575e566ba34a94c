// The transit operator's CLI commands against a real transit (with its identity and wallet): gates handed from
// one gate client to another, and a fare rules version put from the file `fare-rules list --json` prints.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTransitHarness, type TransitHarness } from '../../../services/transit/test/harness.ts';
import { run } from '../src/run.ts';
import { cliEnv } from './citypass.ts';

let h: TransitHarness;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'citypass-fare-rules-'));

before(async () => {
  h = await startTransitHarness();
  const identity = h.wallet.identity;
  env = cliEnv(identity, { CITYPASS_TRANSIT_GRPC: h.address, CITYPASS_WALLET_GRPC: h.wallet.address });
});

after(async () => {
  await h.stop();
});

interface Answer {
  readonly ok: boolean;
  readonly error?: { kind: string; reason: string; message: string };
  readonly [field: string]: unknown;
}

async function citypass(args: string[]): Promise<{ code: number; json: Answer }> {
  let stdout = '';
  const code = await run([...args, '--json'], env, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: () => {},
  });
  return { code, json: JSON.parse(stdout) as Answer };
}

interface GateRow {
  readonly gateId: string;
  readonly stationId: string;
  readonly clientId: string;
}

async function gates(): Promise<GateRow[]> {
  const listed = await citypass(['gates', 'list']);
  assert.equal(listed.code, 0, JSON.stringify(listed.json));
  return listed.json.gates as GateRow[];
}

test('gates assign - a station handed to a newly onboarded fleet moves only that station; unknown ones change nothing', async () => {
  const fleet = `fleet-${randomBytes(3).toString('hex')}`;
  const onboarded = await citypass([
    'onboard',
    fleet,
    '--display-name',
    'Second fleet',
    '--contact-email',
    'ops@fleet.example',
    '--scope',
    `gate:${fleet}`,
  ]);
  assert.equal(onboarded.code, 0, JSON.stringify(onboarded.json));
  const before = await gates();
  assert.ok(before.length > 2);
  const station = before[0]?.stationId ?? assert.fail('no gates');

  const reason = ['--reason', 'second fleet takes over'];
  const unknownStation = await citypass([
    'gates',
    'assign',
    '--client',
    fleet,
    '--station',
    'no-such-station',
    ...reason,
  ]);
  assert.equal(unknownStation.code, 2);
  const unknownGate = await citypass(['gates', 'assign', '--client', fleet, '--gate', 'no-such-gate', ...reason]);
  assert.equal(unknownGate.code, 1);
  assert.equal(unknownGate.json.error?.reason, 'GATE_UNKNOWN');
  const noClient = await citypass(['gates', 'assign', '--station', station, ...reason]);
  assert.equal(noClient.code, 2);
  const noReason = await citypass(['gates', 'assign', '--client', fleet, '--station', station]);
  assert.equal(noReason.code, 2);
  assert.match(noReason.json.error?.message ?? '', /--reason/);
  assert.deepEqual(await gates(), before, 'refused commands changed nothing');

  const assigned = await citypass(['gates', 'assign', '--client', fleet, '--station', station, ...reason]);
  assert.equal(assigned.code, 0, JSON.stringify(assigned.json));
  const after = await gates();
  for (const gate of after) {
    const was = before.find((old) => old.gateId === gate.gateId);
    assert.equal(gate.clientId, gate.stationId === station ? fleet : was?.clientId, gate.gateId);
  }
  const answered = (assigned.json.gates as GateRow[]).map((gate) => gate.gateId).sort();
  assert.deepEqual(
    answered,
    after
      .filter((gate) => gate.clientId === fleet)
      .map((gate) => gate.gateId)
      .sort(),
  );
});

test('fare-rules put - the listed version, edited, becomes the next version once per idempotency key', async () => {
  const listed = await citypass(['fare-rules', 'list']);
  assert.equal(listed.code, 0, JSON.stringify(listed.json));
  const versions = listed.json.versions as { version: number; effectiveFrom: string; transferWindowMinutes: number }[];
  const last = versions.at(-1) ?? assert.fail('no fare rules');
  const file = join(dir, 'rules.json');
  writeFileSync(file, JSON.stringify({ ...last, transferWindowMinutes: 45 }));
  // transit's clock is tomorrow morning: ten days on is a later service day whatever the time zone.
  const effectiveFrom = new Date(h.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  const key = `rules-${randomBytes(4).toString('hex')}`;
  const reason = ['--reason', 'longer transfers'];
  const noReason = await citypass(['fare-rules', 'put', file, '--effective-from', effectiveFrom]);
  assert.equal(noReason.code, 2);
  assert.match(noReason.json.error?.message ?? '', /--reason/);
  const put = await citypass([
    'fare-rules',
    'put',
    file,
    '--effective-from',
    effectiveFrom,
    '--idempotency-key',
    key,
    ...reason,
  ]);
  assert.equal(put.code, 0, JSON.stringify(put.json));
  assert.equal(put.json.version, last.version + 1);
  assert.equal(put.json.effectiveFrom, effectiveFrom);
  const again = await citypass([
    'fare-rules',
    'put',
    file,
    '--effective-from',
    effectiveFrom,
    '--idempotency-key',
    key,
    ...reason,
  ]);
  assert.equal(again.code, 0, JSON.stringify(again.json));
  assert.equal(again.json.version, last.version + 1, 'the same key answers the same version');

  const relisted = (await citypass(['fare-rules', 'list'])).json.versions as typeof versions;
  assert.equal(relisted.length, versions.length + 1);
  assert.equal(relisted.at(-1)?.transferWindowMinutes, 45);
});

test('fare-rules put - a misspelt field, a broken file or a day already begun is refused and adds no version', async () => {
  const count = async (): Promise<number> =>
    ((await citypass(['fare-rules', 'list'])).json.versions as unknown[]).length;
  const versions = await count();
  const last =
    ((await citypass(['fare-rules', 'list'])).json.versions as Record<string, unknown>[]).at(-1) ??
    assert.fail('no fare rules');
  const misspelt = join(dir, 'misspelt.json');
  writeFileSync(misspelt, JSON.stringify({ ...last, transferWindowMinute: 45 }));
  const typo = await citypass(['fare-rules', 'put', misspelt, '--effective-from', '2099-01-01']);
  assert.equal(typo.code, 2);
  assert.match(typo.json.error?.message ?? '', /transferWindowMinute\b/);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"version": 1,');
  assert.equal((await citypass(['fare-rules', 'put', broken])).code, 2);
  assert.equal((await citypass(['fare-rules', 'put', join(dir, 'missing.json')])).code, 2);
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify(last));
  const past = await citypass(['fare-rules', 'put', good, '--effective-from', '2020-01-01', '--reason', 'too late']);
  assert.equal(past.code, 1, JSON.stringify(past.json));
  assert.equal(past.json.error?.reason, 'EFFECTIVE_DATE_NOT_FUTURE');
  assert.equal(await count(), versions);
});

test('gates list - --search narrows by prefix; --page-size and --page-token walk one page at a time', async () => {
  const market = await citypass(['gates', 'list', '--search', 'market']);
  assert.equal(market.code, 0, JSON.stringify(market.json));
  assert.deepEqual(
    (market.json.gates as GateRow[]).map((gate) => gate.gateId),
    ['market-g1', 'market-g2'],
  );
  const first = await citypass(['gates', 'list', '--page-size', '3']);
  assert.equal(first.code, 0, JSON.stringify(first.json));
  const token = first.json.nextPageToken as string;
  assert.notEqual(token, '');
  const second = await citypass(['gates', 'list', '--page-size', '3', '--page-token', token]);
  const ids = [...(first.json.gates as GateRow[]), ...(second.json.gates as GateRow[])].map((gate) => gate.gateId);
  assert.deepEqual(ids, (await gates()).map((gate) => gate.gateId).slice(0, 6));
  const tooLarge = await citypass(['gates', 'list', '--page-size', '501']);
  assert.equal(tooLarge.code, 1);
  assert.equal(tooLarge.json.error?.reason, 'PAGE_SIZE_INVALID');
  assert.equal((await citypass(['gates', 'list', '--page-size', 'many'])).code, 2);
});

test('fare-rules preview - the sample week priced under the file, and a file transit refuses adds nothing', async () => {
  const versions = (await citypass(['fare-rules', 'list'])).json.versions as Record<string, unknown>[];
  const first = versions[0] ?? assert.fail('no fare rules');
  const zoneFares = (first.zoneFares as { fromZone: number; toZone: number; fare: Record<string, string> }[]).map(
    (fare) =>
      fare.fromZone === 1 && fare.toZone === 2 ? { ...fare, fare: { ...fare.fare, adultMinor: '400' } } : fare,
  );
  const file = join(dir, 'preview.json');
  writeFileSync(file, JSON.stringify({ ...first, zoneFares }));
  const effectiveFrom = new Date(h.now() + 400 * 86_400_000).toISOString().slice(0, 10);
  const preview = await citypass(['fare-rules', 'preview', file, '--effective-from', effectiveFrom]);
  assert.equal(preview.code, 0, JSON.stringify(preview.json));
  assert.equal(preview.json.source, 'sample_week');
  // The sample week's adult: 12 journeys at 3.50 = 42.00, at 4.00 = 48.00 over the 45.00 weekly cap.
  const adult = (preview.json.byConcession as Record<string, unknown>[]).find((part) => part.concession === 'adult');
  assert.equal(adult?.revenueBeforeMinor, '4200');
  assert.equal(adult.revenueAfterMinor, '4500');
  assert.equal(adult.ridersPayingMore, 1);
  const past = await citypass(['fare-rules', 'preview', file, '--effective-from', '2020-01-01']);
  assert.equal(past.code, 1, JSON.stringify(past.json));
  assert.equal(past.json.error?.reason, 'EFFECTIVE_DATE_NOT_FUTURE');
  assert.equal(((await citypass(['fare-rules', 'list'])).json.versions as unknown[]).length, versions.length);
});

test('deny-list - residents with their debts, a page at a time', async () => {
  const residents = [randomUUID(), randomUUID()];
  for (const [index, residentId] of residents.entries()) {
    await h.db.query(
      "INSERT INTO deny_list (resident_id, debt_minor, currency, reason, since) VALUES ($1, $2, 'EUR', 'INSUFFICIENT_FUNDS', $3)",
      [residentId, 350 * (index + 1), `2026-0${index + 1}-01T00:00:00Z`],
    );
  }
  const first = await citypass(['deny-list', '--page-size', '1']);
  assert.equal(first.code, 0, JSON.stringify(first.json));
  assert.deepEqual(first.json.entries, [
    {
      residentId: residents[0],
      debtMinor: '350',
      currency: 'EUR',
      reason: 'INSUFFICIENT_FUNDS',
      since: '2026-01-01T00:00:00.000Z',
    },
  ]);
  const second = await citypass(['deny-list', '--page-token', first.json.nextPageToken as string]);
  assert.deepEqual(
    (second.json.entries as { residentId: string }[]).map((entry) => entry.residentId),
    [residents[1]],
  );
  const refused = await citypass(['deny-list', '--page-token', 'nope']);
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error?.reason, 'PAGE_TOKEN_INVALID');
});

test('audit list - the wallet, transit and identity merged by time, filtered by who, action prefix, target and days', async () => {
  const fleet = `audit-${randomBytes(3).toString('hex')}`;
  const onboarded = await citypass([
    'onboard',
    fleet,
    '--display-name',
    'Audit fleet',
    '--contact-email',
    'ops@fleet.example',
    '--scope',
    `gate:${fleet}`,
  ]);
  assert.equal(onboarded.code, 0, JSON.stringify(onboarded.json));
  const assigned = await citypass([
    'gates',
    'assign',
    '--client',
    fleet,
    '--gate',
    'market-g2',
    '--reason',
    'audit fleet trial',
  ]);
  assert.equal(assigned.code, 0, JSON.stringify(assigned.json));
  const today = new Date().toISOString().slice(0, 10);

  type Row = {
    service: string;
    actor: string;
    action: string;
    target: string;
    before?: unknown;
    after?: unknown;
    reason?: string;
  };
  const both = await citypass(['audit', 'list', '--service', 'all', '--target', fleet, '--from', today, '--to', today]);
  assert.equal(both.code, 0, JSON.stringify(both.json));
  const rows = both.json.events as Row[];
  assert.deepEqual(
    rows.map((row) => `${row.service} ${row.action} ${row.target}`),
    [`transit gates.assigned ${fleet}`, `identity service.onboarded ${fleet}`],
    'newest first across both logs',
  );
  const newest = rows[0] ?? assert.fail('no audit rows');
  assert.deepEqual(newest.before, { clients: { 'market-g2': 'gates' } });
  assert.deepEqual(newest.after, { clients: { 'market-g2': fleet } });
  assert.equal(newest.reason, 'audit fleet trial');

  // The wallet's log merges in too (a row as an operator's refund writes it, newest of all).
  await h.wallet.db.query(
    `INSERT INTO operator_audit (actor, action, target, merchant, before, after, reason)
     VALUES ('operator:olga', 'refunds.made', $1, $2, '{"refundedMinor": "0"}', '{"refundedMinor": "120"}', 'broken')`,
    [`${fleet}:hold`, fleet],
  );
  const all = await citypass(['audit', 'list', '--service', 'all', '--target', fleet, '--from', today, '--to', today]);
  assert.deepEqual(
    (all.json.events as Row[]).map((row) => `${row.service} ${row.action}`),
    ['wallet refunds.made', 'transit gates.assigned', 'identity service.onboarded'],
  );
  const walletOnly = await citypass(['audit', 'list', '--service', 'wallet', '--who', 'operator:olga']);
  assert.equal(walletOnly.code, 0, JSON.stringify(walletOnly.json));
  assert.deepEqual(
    (walletOnly.json.events as Row[]).map((row) => [row.service, row.target, row.after]),
    [['wallet', `${fleet}:hold`, { refundedMinor: '120' }]],
  );

  const transitOnly = await citypass([
    'audit',
    'list',
    '--service',
    'transit',
    '--action-prefix',
    'gates.',
    '--limit',
    '500',
  ]);
  assert.ok(
    (transitOnly.json.events as Row[]).every((row) => row.service === 'transit' && row.action === 'gates.assigned'),
  );
  assert.ok((transitOnly.json.events as Row[]).some((row) => row.target === fleet));
  const who = await citypass(['audit', 'list', '--service', 'all', '--who', 'operator:nobody']);
  assert.deepEqual(who.json.events, []);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const older = await citypass(['audit', 'list', '--service', 'all', '--target', fleet, '--to', yesterday]);
  assert.deepEqual(older.json.events, []);
  assert.equal((await citypass(['audit', 'list', '--service', 'parking'])).code, 2);
  assert.equal((await citypass(['audit', 'list', '--service', 'wallet', '--subject', 'x'])).code, 2);
  assert.equal((await citypass(['audit', 'list', '--from', '2030-02-30'])).code, 2);
  assert.equal((await citypass(['audit', 'list', '--service', 'transit', '--subject', 'x'])).code, 2);
});
