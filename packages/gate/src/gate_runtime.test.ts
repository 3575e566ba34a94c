// The gate runtime against a real nats-server (KV buckets for revocations and the deny list) and an in-process
// transit (FakeTransit): the real TransitService is covered by the system tests.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Kvm, type KV } from '@nats-io/kv';
import { connectBus } from '@citypass/platform/bus';
import { isDomainError } from '@citypass/platform/errors';
import { startNatsServer, uniqueName } from '@citypass/platform/testing';
import { GateRuntime, type GateEvent, type GateRuntimeOptions } from './gate_runtime.ts';
import { loadGateConfig } from './gate_config_store.ts';
import type { GateLink } from './gate_link.ts';
import { journalFileName } from './tap_journal.ts';
import { eventually, FakeTransit, gateConfigFor, journalDirectory, makeIssuer, testIssuer } from './test_support.ts';

const nats = await startNatsServer();
const admin = await connectBus({ servers: nats.url, name: 'gate-test-admin' });
const gateBus = await connectBus({ servers: nats.url, name: 'gate-test-gate' });
after(async () => {
  await gateBus.close();
  await admin.close();
  await nats.stop();
});

const issuer = makeIssuer();
const gateId = 'central-gate-1';

type TestGate = { gate: GateRuntime; link: FakeTransit; dir: string; events: GateEvent[] };

/** A started gate; stopped after the test. `link` and `dir` are shared when given (a restart). */
async function startGate(
  options: Partial<GateRuntimeOptions> & { fake?: FakeTransit; dir?: string } = {},
): Promise<TestGate> {
  const { fake, dir: givenDir, ...rest } = options;
  const link = fake ?? new FakeTransit(gateConfigFor(gateId, issuer));
  const dir = givenDir ?? (await journalDirectory());
  const events: GateEvent[] = [];
  const gate = new GateRuntime({
    gateId,
    issuer: testIssuer,
    link,
    journalDir: dir,
    uploadBackoff: { initialMs: 20, maxMs: 200 },
    watchBackoff: { initialMs: 50, maxMs: 500 },
    onEvent: (event) => events.push(event),
    ...rest,
  });
  await gate.start();
  after(() => gate.stop());
  return { gate, link, dir, events };
}

async function buckets(): Promise<{
  status: KV;
  deny: KV;
  config: { credentialStatusBucket: string; denyListBucket: string };
}> {
  const kvm = new Kvm(admin.js);
  const config = { credentialStatusBucket: uniqueName('gate_status'), denyListBucket: uniqueName('gate_deny') };
  const status = await kvm.create(config.credentialStatusBucket, { history: 1 });
  const deny = await kvm.create(config.denyListBucket, { history: 1 });
  return { status, deny, config };
}

async function followingGate(): Promise<TestGate & Awaited<ReturnType<typeof buckets>>> {
  const made = await buckets();
  const started = await startGate({
    fake: new FakeTransit(gateConfigFor(gateId, issuer, made.config)),
    nats: gateBus.nc,
  });
  await eventually(
    () => started.events.filter((event) => event.type === 'watch_up').length === 2,
    'both watches to start',
  );
  return { ...started, ...made };
}

test('gate runtime - with the link down a valid tap is OPEN, journaled, and uploaded once the link is back', async () => {
  const { gate, link, dir } = await startGate();
  link.down = true;
  const presentation = issuer.resident().present();
  const result = await gate.tap(presentation, 'in');

  assert.deepEqual({ decision: result.decision, reason: result.reason }, { decision: 'OPEN', reason: '' });
  assert.match(result.tapId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(gate.pendingCount, 1);
  assert.ok((await readFile(join(dir, journalFileName), 'utf8')).includes(result.tapId));

  link.down = false;
  await gate.flush();
  const held = link.held.get(result.tapId);
  assert.deepEqual(held && { ...held, tappedAt: undefined }, {
    tapId: result.tapId,
    presentation,
    direction: 'in',
    tappedAt: undefined,
    decision: 'OPEN',
    reason: '',
  });
  assert.equal(gate.pendingCount, 0);
});

test('gate runtime - a tap never waits on transit: with every call hanging, taps are still decided', async () => {
  const fake = new FakeTransit(gateConfigFor(gateId, issuer));
  const hung: (() => void)[] = [];
  let released = false;
  const hanging: GateLink = {
    getGateConfig: (request) => fake.getGateConfig(request),
    uploadTaps: () =>
      new Promise((_resolve, reject) => {
        const fail = (): void => {
          reject(new Error('released'));
        };
        if (released) fail();
        else hung.push(fail);
      }),
  };
  const { gate } = await startGate({ link: hanging });
  const resident = issuer.resident();
  for (let index = 0; index < 3; index++) assert.equal((await gate.tap(resident.present(), 'in')).decision, 'OPEN');
  assert.equal(gate.pendingCount, 3);
  assert.ok(hung.length >= 1, 'an upload is hanging');
  released = true;
  for (const fail of hung.splice(0)) fail();
});

test('gate runtime - restarted while offline it decides from the saved configuration and uploads later', async () => {
  const denied = issuer.resident();
  const link = new FakeTransit(gateConfigFor(gateId, issuer, { deniedResidents: [denied.residentId] }));
  const first = await startGate({ fake: link });
  assert.deepEqual((await loadGateConfig(first.dir))?.config.deniedResidents, [denied.residentId], 'saved at start');
  await first.gate.stop();

  link.down = true;
  const second = await startGate({ fake: link, dir: first.dir });
  assert.deepEqual(
    second.events.find((event) => event.type === 'config'),
    { type: 'config', source: 'saved' },
  );
  const open = await second.gate.tap(issuer.resident().present(), 'in');
  assert.equal(open.decision, 'OPEN');
  const refused = await second.gate.tap(denied.present(), 'in');
  assert.deepEqual(
    { decision: refused.decision, reason: refused.reason },
    { decision: 'DENY', reason: 'DEBT_OUTSTANDING' },
  );
  await second.gate.stop();

  link.down = false;
  const third = await startGate({ fake: link, dir: first.dir, online: false }); // offline: the link is not even asked
  assert.equal(third.gate.pendingCount, 2);
  assert.deepEqual(
    third.events.find((event) => event.type === 'config'),
    { type: 'config', source: 'saved' },
  );
  assert.equal(link.uploads.length, 0);
  third.gate.setOnline(true);
  await eventually(() => third.gate.pendingCount === 0, 'the offline taps to be uploaded');
  assert.equal(link.held.get(open.tapId)?.decision, 'OPEN');
  assert.equal(link.held.get(refused.tapId)?.reason, 'DEBT_OUTSTANDING');
  assert.equal(link.held.size, 2);
});

test('gate runtime - a gate that never had a configuration refuses to start', async () => {
  const link = new FakeTransit(gateConfigFor(gateId, issuer));
  link.down = true;
  const gate = new GateRuntime({ gateId, issuer: testIssuer, link, journalDir: await journalDirectory() });
  await assert.rejects(gate.start(), (error) => {
    assert.ok(isDomainError(error));
    assert.deepEqual(
      { kind: error.kind, reason: error.reason },
      { kind: 'failed_precondition', reason: 'GATE_CONFIG_UNAVAILABLE' },
    );
    assert.match(error.message, /has no configuration/);
    return true;
  });
});

test('gate runtime - a configuration naming another issuer is not trusted', async () => {
  const link = new FakeTransit(gateConfigFor(gateId, issuer, { issuer: 'https://elsewhere.example' }));
  const gate = new GateRuntime({ gateId, issuer: testIssuer, link, journalDir: await journalDirectory() });
  await assert.rejects(gate.start(), (error) => {
    assert.ok(isDomainError(error) && error.reason === 'GATE_CONFIG_UNAVAILABLE');
    assert.ok(isDomainError(error.cause) && error.cause.reason === 'GATE_CONFIG_INVALID');
    return true;
  });
});

test('gate runtime - a replayed presentation is DENY PRESENTATION_REPLAYED, and both taps are journaled', async () => {
  const { gate } = await startGate({ online: false, dir: await savedConfigDir() });
  const presentation = issuer.resident().present();
  assert.equal((await gate.tap(presentation, 'in')).decision, 'OPEN');
  const replayed = await gate.tap(presentation, 'in');
  assert.deepEqual(
    { decision: replayed.decision, reason: replayed.reason },
    { decision: 'DENY', reason: 'PRESENTATION_REPLAYED' },
  );
  assert.equal(gate.pendingCount, 2);
});

test('gate runtime - a denied tap is journaled and uploaded without what was scanned, with its reason', async () => {
  const { gate, link, dir } = await startGate({ online: false, dir: await savedConfigDir() });
  const presentation = issuer.resident().present();
  const junk = `junk-${'x'.repeat(3_500)}`;
  const open = await gate.tap(presentation, 'in');
  const replayed = await gate.tap(presentation, 'in');
  const scanned = await gate.tap(junk, 'in');
  assert.deepEqual([open.decision, replayed.decision, scanned.decision], ['OPEN', 'DENY', 'DENY']);
  assert.equal(replayed.reason, 'PRESENTATION_REPLAYED');
  assert.match(scanned.reason, /^[A-Z0-9_]{1,64}$/);

  const journal = await readFile(join(dir, journalFileName), 'utf8');
  assert.ok(!journal.includes('junk-'), 'the junk scan is not in the journal');
  assert.equal(journal.split(presentation).length - 1, 1, 'the presentation is journaled with the OPEN tap only');
  gate.setOnline(true);
  await gate.flush();
  assert.equal(link.held.get(open.tapId)?.presentation, presentation);
  for (const denied of [replayed, scanned]) {
    const held = link.held.get(denied.tapId);
    assert.deepEqual(held && { presentation: held.presentation, decision: held.decision, reason: held.reason }, {
      presentation: '',
      decision: 'DENY',
      reason: denied.reason,
    });
  }
});

async function savedConfigDir(): Promise<string> {
  const { gate, dir } = await startGate();
  await gate.stop();
  return dir;
}

test('gate runtime - a deny list change in the KV bucket reaches the gate within a second, and so does clearing it', async () => {
  const { gate, deny } = await followingGate();
  const resident = issuer.resident();
  assert.equal((await gate.tap(resident.present(), 'in')).decision, 'OPEN');

  await deny.put(resident.residentId, '');
  const tookMs = await eventually(
    async () => (await gate.tap(resident.present(), 'in')).reason === 'DEBT_OUTSTANDING',
    'DEBT_OUTSTANDING',
    1_000,
  );
  assert.ok(tookMs <= 1_000);
  await deny.delete(resident.residentId);
  await eventually(
    async () => (await gate.tap(resident.present(), 'in')).decision === 'OPEN',
    'OPEN after the debt is cleared',
    1_000,
  );
});

test('gate runtime - a revocation in the KV bucket reaches the gate within a second', async () => {
  const { gate, status } = await followingGate();
  const resident = issuer.resident();
  const other = issuer.resident();
  assert.equal((await gate.tap(resident.present(), 'in')).decision, 'OPEN');

  await status.put(resident.credentialId, '{}');
  await eventually(
    async () => (await gate.tap(resident.present(), 'in')).reason === 'CREDENTIAL_REVOKED',
    'CREDENTIAL_REVOKED',
    1_000,
  );
  assert.equal((await gate.tap(other.present(), 'in')).decision, 'OPEN');
});

test('gate runtime - the lists followed over NATS are saved, so a restart offline still denies', async () => {
  const { gate, link, dir, deny, status } = await followingGate();
  const [denied, revoked] = [issuer.resident(), issuer.resident()];
  await deny.put(denied.residentId, '');
  await status.put(revoked.credentialId, '{}');
  await eventually(
    async () => (await gate.tap(denied.present(), 'in')).reason === 'DEBT_OUTSTANDING',
    'the deny list change',
    1_000,
  );
  await eventually(
    async () => (await gate.tap(revoked.present(), 'in')).reason === 'CREDENTIAL_REVOKED',
    'the revocation',
    1_000,
  );
  await gate.stop();

  const restarted = await startGate({ fake: link, dir, online: false });
  assert.equal((await restarted.gate.tap(denied.present(), 'in')).reason, 'DEBT_OUTSTANDING');
  assert.equal((await restarted.gate.tap(revoked.present(), 'in')).reason, 'CREDENTIAL_REVOKED');
});

test('gate runtime - while NATS is down the gate decides with the last known lists; the watch then recovers', async () => {
  const { gate, deny, events } = await followingGate();
  const [denied, later] = [issuer.resident(), issuer.resident()];
  await deny.put(denied.residentId, '');
  await eventually(
    async () => (await gate.tap(denied.present(), 'in')).reason === 'DEBT_OUTSTANDING',
    'the deny list change',
    1_000,
  );

  await nats.stop();
  assert.equal((await gate.tap(denied.present(), 'in')).reason, 'DEBT_OUTSTANDING');
  assert.equal((await gate.tap(later.present(), 'in')).decision, 'OPEN');
  await nats.restart();

  await eventually(
    async () =>
      deny.put(later.residentId, '').then(
        () => true,
        () => false,
      ),
    'the bus to take writes again',
    10_000,
  );
  await eventually(
    async () => (await gate.tap(later.present(), 'in')).reason === 'DEBT_OUTSTANDING',
    'a change made after the outage',
    15_000,
  );
  assert.equal((await gate.tap(denied.present(), 'in')).reason, 'DEBT_OUTSTANDING');
  assert.ok(!events.some((event) => event.type === 'warning' && /journal/.test(event.message)));
});

test('gate runtime - the configuration is fetched again every configRefreshMs, its lists deciding without NATS', async () => {
  const { gate, link, events } = await startGate({ configRefreshMs: 50 });
  const resident = issuer.resident();
  assert.equal((await gate.tap(resident.present(), 'in')).decision, 'OPEN');
  link.config = { ...link.config, deniedResidents: [resident.residentId] };
  await eventually(
    async () => (await gate.tap(resident.present(), 'in')).reason === 'DEBT_OUTSTANDING',
    'a refresh',
    2_000,
  );
  assert.ok(events.filter((event) => event.type === 'config' && event.source === 'link').length >= 2);
});

test('gate runtime - a bucket that cannot be watched is retried with backoff, the last known lists deciding meanwhile', async () => {
  const [listed, added] = [issuer.resident(), issuer.resident()];
  const config = { credentialStatusBucket: uniqueName('gate_status'), denyListBucket: uniqueName('gate_deny') };
  const fake = new FakeTransit(gateConfigFor(gateId, issuer, { ...config, deniedResidents: [listed.residentId] }));
  const { gate, events } = await startGate({ fake, nats: gateBus.nc });
  await eventually(
    () => events.some((event) => event.type === 'watch_down' && event.bucket === config.denyListBucket),
    'the watch to fail',
  );
  await new Promise((resolve) => setTimeout(resolve, 300)); // a few more failed attempts
  assert.equal((await gate.tap(listed.present(), 'in')).reason, 'DEBT_OUTSTANDING', "the configuration's list decides");

  const kvm = new Kvm(admin.js);
  await kvm.create(config.credentialStatusBucket, { history: 1 });
  const deny = await kvm.create(config.denyListBucket, { history: 1 });
  await deny.put(added.residentId, '');
  await eventually(
    async () => (await gate.tap(added.present(), 'in')).reason === 'DEBT_OUTSTANDING',
    'the bucket to be followed',
    5_000,
  );
  assert.equal((await gate.tap(listed.present(), 'in')).decision, 'OPEN', "the set is the bucket's keys now");
});

test('gate runtime - a tap the journal could not take consumes nothing: the same code opens once the journal has room', async () => {
  const { gate, link } = await startGate({ journal: { maxPendingTaps: 1 } });
  link.down = true;
  const resident = issuer.resident();
  assert.equal((await gate.tap(resident.present(), 'in')).decision, 'OPEN');
  const presentation = resident.present();
  const refused = await gate.tap(presentation, 'out');
  assert.deepEqual(
    { decision: refused.decision, reason: refused.reason },
    { decision: 'DENY', reason: 'GATE_JOURNAL_FULL' },
  );
  link.down = false;
  await gate.flush();
  const retried = await gate.tap(presentation, 'out');
  assert.deepEqual({ decision: retried.decision, reason: retried.reason }, { decision: 'OPEN', reason: '' });
  assert.deepEqual(
    { decision: (await gate.tap(presentation, 'out')).decision },
    { decision: 'DENY' },
    'journaled, it is used',
  );
});
