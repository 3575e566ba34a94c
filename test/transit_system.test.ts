// System test: identity, the wallet and transit each run as their own process, as in production, on their own
// databases and one nats-server. A resident enrolls through identity's HTTP endpoints, a funding service tops the
// wallet up, and gates tap over gRPC (online) or through the gate runtime (offline, uploading later). What the
// resident pays is read back through the wallet's own API with a presentation, as the app would.
// Transit and the wallet export their spans to a collector here: one tap's trace reaches the wallet's ledger.
// Everything runs on the real clock, so transit loads a copy of the Aurelia feed without a transfer window: the
// day's journeys, seconds apart here, stay separate journeys instead of joining as transfers.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { connect } from '@nats-io/transport-node';
import { ConcessionClass, IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import { ListGatesRequest, TransitServiceService, type StoredTap } from '@citypass/proto/transit/v1/transit';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation } from '@citypass/credential';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createPool } from '@citypass/platform/pg';
import { freePort, refusalOf, type TestDatabase, testPostgres, uniqueName } from '@citypass/platform/testing';
import { GateRuntime, grpcGateLink } from '@citypass/gate';
import { startIdentityProcess, type IdentityProcess } from './support/identity_process.ts';
import { ResidentApp } from '@citypass/phone';
import { startOtlpCollector, type OtlpCollector } from './support/otlp_collector.ts';
import { startServiceProcess, type ServiceProcess } from './support/service_process.ts';
import { until } from './support/until.ts';

let identity: IdentityProcess;
let databases: TestDatabase[] = [];
let walletProcess: ServiceProcess;
let transitProcess: ServiceProcess;
let operator: PromiseClient<typeof IdentityServiceService>;
let funding: PromiseClient<typeof WalletServiceService>;
let walletAsResident: PromiseClient<typeof WalletServiceService>;
let gates: PromiseClient<typeof TransitServiceService>;
let transitAddress: string;
let gateToken: string;
const journalDirs: string[] = [];
let collector: OtlpCollector;

async function clientToken(clientId: string, secret: string, resource: string, scope: string): Promise<string> {
  const response = await fetch(`${identity.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

before(async () => {
  collector = await startOtlpCollector();
  identity = await startIdentityProcess({ LOG_LEVEL: 'info' });
  operator = promiseClient(IdentityServiceService, identity.grpcAddress, {
    metadata: async () => bearer(await identity.operatorToken()),
  });
  const walletDb = await testPostgres();
  const transitDb = await testPostgres();
  databases = [walletDb, transitDb];
  const walletPort = await freePort();
  const transitPort = await freePort();
  const common = {
    NATS_URL: identity.nats.url,
    IDENTITY_ISSUER: identity.issuer,
    IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
    IDENTITY_STATUS_BUCKET: 'citypass_credential_status',
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
  };
  walletProcess = await startServiceProcess('wallet', {
    ...common,
    WALLET_GRPC_HOST: '127.0.0.1',
    WALLET_GRPC_PORT: String(walletPort),
    WALLET_DATABASE_URL: walletDb.url,
  });
  const onboard = (name: string, extraScopes: string[]) =>
    operator.onboardService({
      idempotencyKey: randomBytes(8).toString('hex'),
      name,
      displayName: name,
      contactEmail: `ops@${name}.example`,
      extraScopes,
      jwksJson: '',
      location: undefined,
    });
  const transitClient = await onboard('transit', ['settle:transit', 'refund:transit']);
  const gateFleet = await onboard('gates', ['gate:gates']);
  const fundingClient = await onboard('funding', ['topup:funding']);
  const feed = await mkdtemp(join(tmpdir(), 'citypass-feed-'));
  journalDirs.push(feed);
  await cp(join(import.meta.dirname, '..', 'services', 'transit', 'data', 'aurelia'), feed, { recursive: true });
  const rulesFile = join(feed, 'citypass_fare_rules.json');
  const rules = JSON.parse(await readFile(rulesFile, 'utf8')) as Record<string, unknown>;
  await writeFile(rulesFile, JSON.stringify({ ...rules, transfer_window_minutes: 0 }));
  transitProcess = await startServiceProcess('transit', {
    TRANSIT_GTFS_DIR: feed,
    ...common,
    TRANSIT_GRPC_HOST: '127.0.0.1',
    TRANSIT_GRPC_PORT: String(transitPort),
    TRANSIT_DATABASE_URL: transitDb.url,
    IDENTITY_TOKEN_URL: `${identity.issuer}/token`,
    TRANSIT_CLIENT_SECRET: transitClient.clientSecret,
    TRANSIT_DENY_BUCKET: uniqueName('deny'),
  });
  transitAddress = `127.0.0.1:${transitPort}`;
  gateToken = await clientToken('gates', gateFleet.clientSecret, 'urn:citypass:transit', 'gate:gates');
  gates = promiseClient(TransitServiceService, transitAddress, { metadata: () => bearer(gateToken) });
  const transitOperator = promiseClient(TransitServiceService, transitAddress, {
    metadata: async () =>
      bearer(await clientToken('operator', identity.operatorSecret, 'urn:citypass:transit', 'transit:admin')),
  });
  const { gates: all } = await transitOperator.listGates(ListGatesRequest.fromPartial({ pageSize: 500 }));
  await transitOperator.assignGates({
    reason: 'system test: the gates of the network',
    clientId: 'gates',
    gateIds: all.map((gate) => gate.gateId),
  });
  transitOperator.close();
  const fundingToken = await clientToken(
    'funding',
    fundingClient.clientSecret,
    'urn:citypass:wallet',
    'charge:funding topup:funding',
  );
  funding = promiseClient(WalletServiceService, `127.0.0.1:${walletPort}`, { metadata: () => bearer(fundingToken) });
  walletAsResident = promiseClient(WalletServiceService, `127.0.0.1:${walletPort}`);
});

after(async () => {
  for (const client of [operator, funding, walletAsResident, gates]) client.close();
  await transitProcess.stop();
  await walletProcess.stop();
  for (const database of databases) await database.drop();
  await identity.stop();
  for (const dir of journalDirs) await rm(dir, { recursive: true, force: true });
  collector.close();
});

interface Rider {
  readonly residentId: string;
  readonly credentialId: string;
  present(audience: string, atMs?: number): string;
}

let counter = 0;
async function enroll(): Promise<Rider> {
  const created = await operator.createResident({
    idempotencyKey: randomBytes(8).toString('hex'),
    givenName: 'Ada',
    familyName: 'Rider',
    birthDate: '1990-04-01',
    concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
    coveragePlanRef: '',
  });
  const app = new ResidentApp(identity.issuer);
  const token = await app.enroll(created.enrollmentCode?.code ?? '', 'a long resident password');
  const issued = await app.requestCredential(token);
  assert.equal(issued.status, 200);
  const credential =
    ((await issued.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';
  const residentId = created.resident?.residentId ?? '';
  const status = await operator.getResident({ residentId });
  return {
    residentId,
    credentialId: status.activeCredential?.credentialId ?? '',
    present: (audience, atMs = Date.now()) =>
      createPresentation({
        credential,
        devicePrivateKey: app.deviceKey.privateKey,
        audience,
        counter: ++counter,
        nowMs: atMs,
      }),
  };
}

async function topUp(rider: Rider, amountMinor: bigint): Promise<void> {
  await until(async () => {
    await funding.topUp({
      idempotencyKey: randomBytes(8).toString('hex'),
      residentId: rider.residentId,
      amount: { amountMinor, currency: 'EUR' },
      fundingReference: randomBytes(8).toString('hex'),
    });
    return true;
  }, 'top-up (the wallet opens the account from identity’s event)');
}

async function balance(rider: Rider): Promise<bigint> {
  const metadata = new Metadata();
  metadata.set('citypass-presentation', rider.present('wallet'));
  return (
    (await walletAsResident.getBalance({ residentId: '', currency: 'EUR' }, { metadata })).balance?.amountMinor ?? -1n
  );
}

async function tap(rider: Rider, gateId: string, direction: 'in' | 'out', presentation = rider.present('transit')) {
  return gates.tap({ presentation, gateId, direction, tappedAt: undefined, tapId: '' });
}

async function gateRuntime(gateId: string): Promise<GateRuntime> {
  const dir = await mkdtemp(join(tmpdir(), 'citypass-gate-'));
  journalDirs.push(dir);
  const gate = new GateRuntime({
    gateId,
    issuer: identity.issuer,
    link: grpcGateLink(transitAddress, () => Promise.resolve(gateToken)),
    journalDir: dir,
  });
  await gate.start();
  return gate;
}

test('system - a day of journeys through an offline gate is charged exactly the daily cap, once', async () => {
  const rider = await enroll();
  await topUp(rider, 5_000n);
  const gate = await gateRuntime('central-g1');
  const exit = await gateRuntime('airport-g1');
  const stored: { gateId: string; tap: StoredTap }[] = [];
  let lastTapMs = 0;
  try {
    gate.setOnline(false);
    exit.setOnline(false);
    for (let journey = 0; journey < 4; journey++) {
      for (const [runtime, gateId, direction] of [
        [gate, 'central-g1', 'in'],
        [exit, 'airport-g1', 'out'],
      ] as const) {
        const presentation = rider.present('transit');
        // One rider never taps twice in one millisecond; a loop can, and transit refuses the second as the same
        // instant (TAP_DUPLICATE, by design), which made this test fail now and then.
        const atMs = Math.max(Date.now(), lastTapMs + 1);
        lastTapMs = atMs;
        const answer = await runtime.tap(presentation, direction, atMs);
        assert.equal(answer.decision, 'OPEN', 'the gate decides alone');
        stored.push({
          gateId,
          tap: { tapId: answer.tapId, presentation, direction, tappedAt: new Date(atMs), decision: 'OPEN', reason: '' },
        });
      }
    }
    assert.equal(await balance(rider), 5_000n, 'nothing is charged while the gates are cut off');
    gate.setOnline(true);
    exit.setOnline(true);
    await gate.flush();
    await exit.flush();
    await until(async () => (await balance(rider)) === 5_000n - 900n, 'four 4.80 journeys capped at 9.00');
    // The gates' acknowledgements were lost: they upload everything again.
    for (const { gateId, tap: again } of stored) {
      const answer = await gates.uploadTaps({ gateId, taps: [again] });
      // The whole answer, so a failure says which reason refused the repeat.
      assert.deepEqual([answer.acceptedTapIds, answer.rejected], [[again.tapId], []]);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(await balance(rider), 4_100n, 'uploading again charges nothing more');
  } finally {
    await gate.stop();
    await exit.stop();
  }
});

test('system - an offline gate follows revocations over NATS and refuses a revoked phone without transit', async () => {
  const rider = await enroll();
  const nc = await connect({ servers: identity.nats.url });
  const dir = await mkdtemp(join(tmpdir(), 'citypass-gate-'));
  journalDirs.push(dir);
  const gate = new GateRuntime({
    gateId: 'harbour-g2',
    issuer: identity.issuer,
    link: grpcGateLink(transitAddress, () => Promise.resolve(gateToken)),
    journalDir: dir,
    nats: nc,
  });
  try {
    await gate.start();
    gate.setOnline(false);
    assert.equal((await gate.tap(rider.present('transit'), 'in')).decision, 'OPEN');
    await operator.revokeCredential({ credentialId: rider.credentialId, reason: 'phone reported stolen' });
    await until(
      async () => (await gate.tap(rider.present('transit'), 'in')).reason === 'CREDENTIAL_REVOKED',
      'the revocation reaches the cut-off gate',
    );
  } finally {
    await gate.stop();
    await nc.close();
  }
});

test('system - online taps open at once and the journey is charged after; a replayed QR and a revoked credential are refused', async () => {
  const rider = await enroll();
  await topUp(rider, 2_000n);
  const entry = rider.present('transit');
  assert.equal((await tap(rider, 'central-g2', 'in', entry)).decision, 'OPEN');
  assert.deepEqual(await tap(rider, 'central-g1', 'in', entry).then((r) => [r.decision, r.reason]), [
    'DENY',
    'PRESENTATION_REPLAYED',
  ]);
  assert.equal((await tap(rider, 'market-g1', 'out')).decision, 'OPEN');
  await until(async () => (await balance(rider)) === 2_000n - 350n, 'zone 1 -> 2 charged');

  const stolen = await enroll();
  await topUp(stolen, 1_000n);
  await operator.revokeCredential({ credentialId: stolen.credentialId, reason: 'phone reported stolen' });
  await until(
    async () => (await tap(stolen, 'harbour-g1', 'in')).reason === 'CREDENTIAL_REVOKED',
    'revocation reaches the gates',
  );
});

test('system - a resident without money passes once, is denied after the declined fare, and is cleared by topping up', async () => {
  const rider = await enroll();
  await topUp(rider, 100n);
  assert.equal(
    (await tap(rider, 'old-town-g1', 'in')).decision,
    'OPEN',
    'let through once: the gate does not wait for the wallet',
  );
  assert.equal((await tap(rider, 'university-g1', 'out')).decision, 'OPEN');
  await until(async () => (await journeys(rider)).debtMinor === 290n, 'the declined fare becomes a debt');
  assert.deepEqual(await tap(rider, 'university-g2', 'in').then((r) => [r.decision, r.reason]), [
    'DENY',
    'DEBT_OUTSTANDING',
  ]);
  assert.equal(await balance(rider), 100n, 'a declined fare takes nothing');
  await topUp(rider, 1_000n);
  await until(async () => (await journeys(rider)).debtMinor === 0n, 'the debt is collected after the top-up');
  assert.equal(await balance(rider), 1_100n - 290n);
  assert.equal((await tap(rider, 'university-g2', 'in')).decision, 'OPEN', 'cleared at the gate');
});

async function journeys(rider: Rider) {
  const metadata = new Metadata();
  metadata.set('citypass-presentation', rider.present('transit-account'));
  return gates.listJourneys({ fromServiceDate: '', toServiceDate: '' }, { metadata });
}

test('system - a journey and its ledger lines lead to each other: the journey names its wallet holds, the statement line names the hold, an operator finds the journey of a hold', async () => {
  const rider = await enroll();
  await topUp(rider, 2_000n);
  assert.equal((await tap(rider, 'university-g1', 'in')).decision, 'OPEN');
  assert.equal((await tap(rider, 'old-town-g1', 'out')).decision, 'OPEN');
  await until(
    async () => (await journeys(rider)).journeys.some((journey) => journey.settlement === 'settled'),
    'the journey settled',
  );
  const [journey] = (await journeys(rider)).journeys;
  assert.ok(journey !== undefined && journey.holdIds.length === 1, 'one hold charged the journey');
  const metadata = new Metadata();
  metadata.set('citypass-presentation', rider.present('wallet'));
  const { lines } = await walletAsResident.listStatement(
    { residentId: '', currency: 'EUR', pageSize: 10, pageToken: '' },
    { metadata },
  );
  const fare = lines.filter((line) => line.kind === 'capture');
  assert.deepEqual(
    fare.map((line) => line.holdId),
    journey.holdIds,
    "the statement line of the fare names the journey's hold",
  );
  assert.equal(-(fare[0]?.amountMinor ?? 0n), journey.chargedMinor);

  // An operator answering a complaint about that ledger line goes from its hold to the journey and the resident.
  const transitOperator = promiseClient(TransitServiceService, transitAddress, {
    metadata: async () =>
      bearer(await clientToken('operator', identity.operatorSecret, 'urn:citypass:transit', 'transit:admin')),
  });
  try {
    const found = await transitOperator.findJourney({ holdId: fare[0]?.holdId ?? '' });
    assert.equal(found.residentId, rider.residentId);
    assert.deepEqual(found.journey, journey);
    assert.deepEqual(await refusalOf(transitOperator.findJourney({ holdId: randomUUID() })), {
      kind: 'not_found',
      reason: 'JOURNEY_NOT_FOUND',
    });
    assert.deepEqual(await refusalOf(transitOperator.findJourney({ holdId: 'not-a-hold' })), {
      kind: 'invalid_argument',
      reason: 'HOLD_ID_INVALID',
    });
    assert.deepEqual(await refusalOf(gates.findJourney({ holdId: fare[0]?.holdId ?? '' })), {
      kind: 'permission_denied',
      reason: 'SCOPE_MISSING',
    });
  } finally {
    transitOperator.close();
  }
});

test('system - a tap whose write the database fails is UNAVAILABLE, and its retry with the same tap id and QR opens', async () => {
  const rider = await enroll();
  const request = {
    presentation: rider.present('transit'),
    gateId: 'stadium-g2',
    direction: 'in',
    tappedAt: undefined,
    tapId: randomUUID(),
  };
  const db = createPool(databases[1]?.url ?? '', { max: 2 });
  const lock = await db.connect();
  try {
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE taps IN ACCESS EXCLUSIVE MODE');
    const failed = refusalOf(gates.tap(request));
    const waiting =
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'transit' AND wait_event_type = 'Lock'";
    await until(async () => ((await db.query(waiting)).rowCount ?? 0) > 0, 'the tap write waits on the lock');
    await db.query(`SELECT pg_terminate_backend(pid) FROM (${waiting}) AS blocked`);
    assert.deepEqual(await failed, { kind: 'unavailable', reason: 'DATABASE_UNAVAILABLE' });
  } finally {
    await lock.query('ROLLBACK').catch(() => undefined);
    lock.release();
  }
  try {
    assert.deepEqual(
      await gates.tap(request).then((r) => [r.decision, r.reason]),
      ['OPEN', ''],
      'not a replay: nothing was recorded',
    );
    assert.equal((await db.query('SELECT 1 FROM taps WHERE id = $1', [request.tapId])).rowCount, 1);
  } finally {
    await db.end();
  }
});

test('system - a tap id is answered again only for its own gate; from another gate it is ALREADY_EXISTS TAP_ID_REUSED', async () => {
  const rider = await enroll();
  const request = {
    presentation: rider.present('transit'),
    gateId: 'old-town-g2',
    direction: 'in',
    tappedAt: undefined,
    tapId: randomUUID(),
  };
  assert.equal((await gates.tap(request)).decision, 'OPEN');
  assert.deepEqual(await refusalOf(gates.tap({ ...request, gateId: 'old-town-g1' })), {
    kind: 'already_exists',
    reason: 'TAP_ID_REUSED',
  });
  assert.equal((await gates.tap(request)).decision, 'OPEN', 'the same gate gets its first answer');
  const stored: StoredTap = {
    tapId: request.tapId,
    presentation: request.presentation,
    direction: 'in',
    tappedAt: new Date(),
    decision: 'OPEN',
    reason: '',
  };
  const uploaded = await gates.uploadTaps({ gateId: 'stadium-g1', taps: [stored] });
  assert.deepEqual(
    uploaded.rejected,
    [{ tapId: request.tapId, reason: 'TAP_ID_REUSED' }],
    'an upload of it from another gate',
  );
});

test('system - database connections terminated while journeys settle: transit and the wallet live on and each journey is charged once', async () => {
  const riders = await Promise.all([enroll(), enroll(), enroll()]);
  for (const rider of riders) await topUp(rider, 2_000n);
  const admin = createPool(databases[1]?.url ?? '', { max: 1 });
  const names = databases.map((database) => database.database);
  let terminated = 0;
  try {
    for (const rider of riders) {
      assert.equal((await tap(rider, 'central-g2', 'in')).decision, 'OPEN');
      assert.equal((await tap(rider, 'market-g1', 'out')).decision, 'OPEN');
    }
    // Settlement runs now (every 250 ms): its reads, its lease, its wallet calls and the relays all lose their
    // connections again and again, as in a failover.
    for (let round = 0; round < 12; round++) {
      const { rowCount } = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1) AND application_name IN ('transit', 'wallet')",
        [names],
      );
      terminated += rowCount ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    for (const rider of riders)
      await until(async () => (await balance(rider)) === 2_000n - 350n, 'each zone 1 -> 2 journey charged');
    assert.equal(transitProcess.child.exitCode, null, 'transit is still running');
    assert.equal(walletProcess.child.exitCode, null, 'the wallet is still running');
    assert.ok(terminated >= 12, `terminated ${terminated} connections`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const rider of riders) assert.equal(await balance(rider), 2_000n - 350n, 'charged once');
  } finally {
    await admin.end();
  }
});

test('system - one tap leaves one trace from the gate through transit and NATS into the wallet ledger', async () => {
  const rider = await enroll();
  await topUp(rider, 1_000n);
  const traceId = randomBytes(16).toString('hex');
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${gateToken}`);
  metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
  const traced = promiseClient(TransitServiceService, transitAddress);
  assert.equal(
    (
      await traced.tap(
        {
          presentation: rider.present('transit'),
          gateId: 'stadium-g1',
          direction: 'in',
          tappedAt: undefined,
          tapId: '',
        },
        { metadata },
      )
    ).decision,
    'OPEN',
  );
  traced.close();
  assert.equal((await tap(rider, 'lakeside-g1', 'out')).decision, 'OPEN');
  await until(async () => (await balance(rider)) === 1_000n - 300n, 'zone 2 -> 3 charged');
  assert.equal(await transitProcess.stop(), 0);
  assert.equal(await walletProcess.stop(), 0);
  const spans = Buffer.concat(collector.batches);
  const withTrace = collector.batches.filter((batch) => batch.includes(Buffer.from(traceId, 'hex')));
  assert.ok(spans.includes(Buffer.from('citypass.transit.v1.TransitService/Tap')), 'the gate call is a span');
  assert.ok(
    withTrace.some((batch) => batch.includes(Buffer.from('transit settle charge'))),
    'settlement continues the tap trace',
  );
  assert.ok(
    withTrace.some((batch) => batch.includes(Buffer.from('wallet.v1.charge'))),
    'the wallet call over NATS is in it',
  );
  assert.ok(
    // wallet_charge_once alone, wallet_charge_many in a group commit (whose span is a child of its first item's).
    withTrace.some((batch) => batch.includes(Buffer.from('wallet_charge_'))),
    'and the ledger statement',
  );
});
