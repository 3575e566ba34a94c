// System test of the deployment's NATS users (deploy/k8s/components/dev-infra/nats-config.yaml) on a real
// nats-server. identity, the wallet and transit run as their own processes, two replicas each as deployed (a third
// transit joins later), each logged in as its own user with the stream and bucket names of its ConfigMap; an offline
// gate runtime follows the buckets as the gate user. Revocations made before and after the others start reach the
// wallet, transit and the gates; an unpaid fare denies a resident at the gate until a top-up pays it; transit charges
// and refunds over NATS; 3 MB bursts make every bucket reader answer flow control. Every NATS operation the services
// perform happens and the server refuses none (their logs are checked last). Then each user tries what it must not
// (listen to wallet.v1.> and its bearer tokens, write to another's stream or bucket, forge replies) and is refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { ConcessionClass, IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { BucketFollower, createPresentation, RevocationSet } from '@citypass/credential';
import { connectBus, type Bus } from '@citypass/platform/bus';
import { ClientCredentials } from '@citypass/platform/client_credentials';
import { DomainError } from '@citypass/platform/errors';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import type { Logger } from '@citypass/platform/log';
import { freePort, testPostgres, type TestDatabase } from '@citypass/platform/testing';
import { natsWalletLink, type WalletLink } from '../services/transit/src/bus/wallet_link.ts';
import { GateRuntime, grpcGateLink, type GateEvent } from '@citypass/gate';
import {
  bucketKeys,
  burst,
  connectAs,
  deployedNames,
  refusal,
  refused,
  startCitypassNats,
  type Attempt,
  type CitypassNats,
  type NatsUser,
} from './support/citypass_nats.ts';
import { ResidentApp } from '@citypass/phone';
import { startServiceProcess, type ServiceProcess } from './support/service_process.ts';
import { until } from './support/until.ts';

const walletNames = deployedNames('base/wallet/configmap.yaml', 'wallet-config');
const transitNames = deployedNames('base/transit/configmap.yaml', 'transit-config');
const statusBucket = walletNames.IDENTITY_STATUS_BUCKET ?? '';
const denyBucket = transitNames.TRANSIT_DENY_BUCKET ?? '';
const streams = {
  identity: walletNames.IDENTITY_STREAM ?? '',
  wallet: walletNames.WALLET_STREAM ?? '',
  transit: transitNames.TRANSIT_STREAM ?? '',
};

let nats: CitypassNats;
const services: ServiceProcess[] = [];
/** Undone in reverse order after the tests, whatever got started before a failure. */
const cleanups: (() => Promise<unknown> | undefined)[] = [];
let issuer: string;
let operator: PromiseClient<typeof IdentityServiceService>;
let funding: PromiseClient<typeof WalletServiceService>;
let walletAsResident: PromiseClient<typeof WalletServiceService>;
let gates: PromiseClient<typeof TransitServiceService>;
let transitLink: WalletLink;
/** transit's own NATS connection, as the transit user, and its wallet token. */
let transitBus: Bus;
let transitCredentials: ClientCredentials;
let gateToken: string;
let transitEnv: Record<string, string>;
/** Revoked before the wallet, transit and the gates started: they must load it from the bucket. */
let revokedEarly: Rider;
let gate: GateRuntime;
const gateEvents: GateEvent[] = [];
/** What the test's own service connections logged as errors (connectBus logs every NATS error it is told of). */
const busErrors: string[] = [];

const secret = (): string => randomBytes(32).toString('base64url');
const keyEncryptionKey = secret();
const cookieKeys = secret();

function errorLogger(name: string): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message, fields) => {
      busErrors.push(
        `${name}: ${message} ${JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
      );
    },
    child: () => logger,
  };
  return logger;
}

async function start(name: string, env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startServiceProcess(name, env);
  services.push(service);
  cleanups.push(() => service.stop());
  return service;
}

async function database(): Promise<TestDatabase> {
  const created = await testPostgres();
  cleanups.push(() => created.drop());
  return created;
}

function client<T extends { close(): void }>(created: T): T {
  cleanups.push(() => {
    created.close();
    return undefined;
  });
  return created;
}

async function clientToken(clientId: string, clientSecret: string, resource: string, scope: string): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

/** identity's replicas share its database and issuer; each has its own ports. */
function startIdentity(
  db: TestDatabase,
  operatorSecret: string,
  httpPort: number,
  grpcPort: number,
): Promise<ServiceProcess> {
  return start('identity', {
    IDENTITY_ISSUER: issuer,
    IDENTITY_HTTP_HOST: '127.0.0.1',
    IDENTITY_HTTP_PORT: String(httpPort),
    IDENTITY_GRPC_HOST: '127.0.0.1',
    IDENTITY_GRPC_PORT: String(grpcPort),
    IDENTITY_DATABASE_URL: db.url,
    IDENTITY_KEY_ENCRYPTION_KEY: keyEncryptionKey,
    IDENTITY_COOKIE_KEYS: cookieKeys,
    IDENTITY_OPERATOR_CLIENT_SECRET: operatorSecret,
    NATS_URL: nats.url('identity'),
    LOG_LEVEL: 'info',
    ...deployedNames('base/identity/configmap.yaml', 'identity-config'),
  });
}

interface Secrets {
  readonly operator: string;
  readonly transit: string;
  readonly gates: string;
  readonly funding: string;
}

/** identity (two replicas), the wallet (two) and transit (two), started the way the deployment runs them. */
async function startServices(): Promise<{ secrets: Secrets; walletPort: number; transitPort: number }> {
  const [identityDb, walletDb, transitDb] = [await database(), await database(), await database()];
  const [httpPort, grpcPort, walletPort, transitPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  issuer = `http://127.0.0.1:${httpPort}`;
  const operatorSecret = secret();
  await startIdentity(identityDb, operatorSecret, httpPort, grpcPort);
  operator = client(
    promiseClient(IdentityServiceService, `127.0.0.1:${grpcPort}`, {
      metadata: async () =>
        bearer(await clientToken('operator', operatorSecret, 'urn:citypass:identity', 'identity:admin')),
    }),
  );
  revokedEarly = await enroll();
  await operator.revokeCredential({
    credentialId: revokedEarly.credentialId,
    reason: 'revoked before the others started',
  });
  await until(
    async () => (await bucketKeys(nats, 'identity', statusBucket)).includes(revokedEarly.credentialId),
    'identity mirrors the revocation',
  );

  const walletEnv = {
    WALLET_GRPC_HOST: '127.0.0.1',
    WALLET_GRPC_PORT: String(walletPort),
    WALLET_DATABASE_URL: walletDb.url,
    NATS_URL: nats.url('wallet'),
    IDENTITY_ISSUER: issuer,
    IDENTITY_JWKS_URL: `${issuer}/jwks`,
    LOG_LEVEL: 'info',
    ...walletNames,
    // A placed station: the wallet follows transit's taps (the first replica starts before transit's stream exists).
    WALLET_RISK_PLACES: 'station:central=0/0',
  };
  const onboard = async (name: string, extraScopes: string[]): Promise<string> =>
    (
      await operator.onboardService({
        idempotencyKey: randomBytes(8).toString('hex'),
        name,
        displayName: name,
        contactEmail: `ops@${name}.example`,
        extraScopes,
        jwksJson: '',
        location: undefined,
      })
    ).clientSecret;
  // Replicas of one service start one after the other (migrations); different services at once.
  const [, , transitSecret, gatesSecret, fundingSecret] = await Promise.all([
    startIdentity(identityDb, operatorSecret, await freePort(), await freePort()),
    start('wallet', walletEnv),
    onboard('transit', ['settle:transit', 'refund:transit']),
    onboard('gates', ['gate:gates']),
    onboard('funding', ['topup:funding']),
  ]);
  transitEnv = {
    TRANSIT_GRPC_HOST: '127.0.0.1',
    TRANSIT_GRPC_PORT: String(transitPort),
    TRANSIT_DATABASE_URL: transitDb.url,
    NATS_URL: nats.url('transit'),
    IDENTITY_ISSUER: issuer,
    IDENTITY_JWKS_URL: `${issuer}/jwks`,
    IDENTITY_TOKEN_URL: `${issuer}/token`,
    TRANSIT_CLIENT_SECRET: transitSecret,
    LOG_LEVEL: 'info',
    ...transitNames,
  };
  await Promise.all([start('wallet', { ...walletEnv, WALLET_GRPC_PORT: '0' }), start('transit', transitEnv)]);
  await start('transit', { ...transitEnv, TRANSIT_GRPC_PORT: '0' });
  return {
    secrets: { operator: operatorSecret, transit: transitSecret, gates: gatesSecret, funding: fundingSecret },
    walletPort,
    transitPort,
  };
}

/** The gRPC clients of the tests, the gates assigned to the gate fleet, and transit's NATS link to the wallet. */
async function connectClients(secrets: Secrets, walletPort: number, transitPort: number): Promise<void> {
  gateToken = await clientToken('gates', secrets.gates, 'urn:citypass:transit', 'gate:gates');
  gates = client(
    promiseClient(TransitServiceService, `127.0.0.1:${transitPort}`, { metadata: () => bearer(gateToken) }),
  );
  const transitOperatorToken = await clientToken('operator', secrets.operator, 'urn:citypass:transit', 'transit:admin');
  const transitOperator = client(
    promiseClient(TransitServiceService, `127.0.0.1:${transitPort}`, { metadata: () => bearer(transitOperatorToken) }),
  );
  await transitOperator.assignGates({
    reason: 'test setup',
    clientId: 'gates',
    gateIds: ['old-town-g1', 'old-town-g2', 'university-g1', 'central-g1'],
  });
  const fundingToken = await clientToken(
    'funding',
    secrets.funding,
    'urn:citypass:wallet',
    'charge:funding topup:funding',
  );
  funding = client(
    promiseClient(WalletServiceService, `127.0.0.1:${walletPort}`, { metadata: () => bearer(fundingToken) }),
  );
  walletAsResident = client(promiseClient(WalletServiceService, `127.0.0.1:${walletPort}`));

  // transit's own client of the wallet over NATS, as the transit user, for charges and refunds on demand.
  transitBus = await connectBus({
    servers: nats.url('transit'),
    name: 'transit-test',
    logger: errorLogger('transit-test'),
  });
  cleanups.push(() => transitBus.close());
  transitCredentials = new ClientCredentials({
    tokenUrl: `${issuer}/token`,
    clientId: 'transit',
    clientSecret: secrets.transit,
    resource: 'urn:citypass:wallet',
    scope: 'charge:transit settle:transit refund:transit',
  });
  transitLink = natsWalletLink(transitBus.nc, transitCredentials);
}

/** An offline gate: it decides from the lists it follows over NATS as the gate user (no configuration refresh). */
async function startOfflineGate(transitPort: number): Promise<void> {
  const journalDir = await mkdtemp(join(tmpdir(), 'citypass-gate-'));
  cleanups.push(() => rm(journalDir, { recursive: true, force: true }));
  const gateBus = await connectBus({
    servers: nats.url('gate'),
    name: 'gate-old-town-g2',
    logger: errorLogger('gate'),
  });
  cleanups.push(() => gateBus.close());
  const link = client(grpcGateLink(`127.0.0.1:${transitPort}`, () => Promise.resolve(gateToken)));
  gate = new GateRuntime({
    gateId: 'old-town-g2',
    issuer,
    link,
    journalDir,
    nats: gateBus.nc,
    configRefreshMs: 0,
    configSaveMs: 0,
    onEvent: (event) => {
      gateEvents.push(event);
    },
  });
  await gate.start();
  cleanups.push(() => gate.stop());
  gate.setOnline(false);
}

before(async () => {
  nats = await startCitypassNats();
  cleanups.push(() => nats.stop());
  const { secrets, walletPort, transitPort } = await startServices();
  await connectClients(secrets, walletPort, transitPort);
  await startOfflineGate(transitPort);
});

after(async () => {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error('cleanup failed', error);
    }
  }
});

interface Rider {
  readonly residentId: string;
  readonly credentialId: string;
  present(audience: string): string;
}

let counter = 0;
async function enroll(): Promise<Rider> {
  const created = await operator.createResident({
    idempotencyKey: randomBytes(8).toString('hex'),
    givenName: 'Nat',
    familyName: 'Rider',
    birthDate: '1990-04-01',
    concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
    coveragePlanRef: '',
  });
  const app = new ResidentApp(issuer);
  const issued = await app.requestCredential(
    await app.enroll(created.enrollmentCode?.code ?? '', 'a long resident password'),
  );
  assert.equal(issued.status, 200);
  const credential =
    ((await issued.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';
  const residentId = created.resident?.residentId ?? '';
  const status = await operator.getResident({ residentId });
  return {
    residentId,
    credentialId: status.activeCredential?.credentialId ?? '',
    present: (audience) =>
      createPresentation({
        credential,
        devicePrivateKey: app.deviceKey.privateKey,
        audience,
        counter: ++counter,
        nowMs: Date.now(),
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
  }, "top-up (the wallet opens the account from identity's event)");
}

function withPresentation(presentation: string): { metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set('citypass-presentation', presentation);
  return { metadata };
}

const balance = async (rider: Rider): Promise<bigint> =>
  (await walletAsResident.getBalance({ residentId: '', currency: 'EUR' }, withPresentation(rider.present('wallet'))))
    .balance?.amountMinor ?? -1n;
const debt = async (rider: Rider): Promise<bigint> =>
  (
    await gates.listJourneys(
      { fromServiceDate: '', toServiceDate: '' },
      withPresentation(rider.present('transit-account')),
    )
  ).debtMinor;
const tapOnline = async (rider: Rider, gateId: string, direction: 'in' | 'out') =>
  gates.tap({ presentation: rider.present('transit'), gateId, direction, tappedAt: undefined, tapId: '' });
const tapOffline = async (rider: Rider): Promise<string> => {
  const result = await gate.tap(rider.present('transit'), 'in');
  return result.decision === 'OPEN' ? 'OPEN' : result.reason;
};

async function reasonOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return error.reason;
  }
  return 'succeeded';
}

/** A gate's bucket follower started now, as the gate user: it lists the bucket (keys and values), then watches. */
async function followAsGate(bucket: string): Promise<{ set: RevocationSet; stop(): Promise<void> }> {
  const bus = await connectBus({ servers: nats.url('gate'), name: 'gate-fresh', logger: errorLogger('gate-fresh') });
  const set = new RevocationSet();
  const follower = new BucketFollower({ nc: bus.nc, bucket, set, open: () => new Kvm(bus.nc).open(bucket) });
  follower.start();
  const stop = async (): Promise<void> => {
    await follower.stop();
    await bus.close();
  };
  try {
    await until(() => Promise.resolve(follower.live), `a new gate follows ${bucket}`, 5_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { set, stop };
}

test('nats permissions - a revocation made before the wallet, transit and a gate started is loaded from the bucket', async () => {
  assert.equal(await reasonOf(balance(revokedEarly)), 'CREDENTIAL_REVOKED', 'the wallet loaded it');
  assert.equal((await tapOnline(revokedEarly, 'central-g1', 'in')).reason, 'CREDENTIAL_REVOKED', 'transit loaded it');
  const gateView = await followAsGate(statusBucket);
  try {
    assert.ok(gateView.set.isRevoked(revokedEarly.credentialId), 'a gate loaded it');
    assert.equal(
      gateView.set.isRevoked(revokedEarly.credentialId, 0),
      false,
      'with its revocation time: the gate read the value too',
    );
  } finally {
    await gateView.stop();
  }
});

test('nats permissions - an unpaid fare denies the resident at the offline gate until a top-up pays it', async () => {
  const following = (bucket: string): boolean =>
    gateEvents.some((event) => event.type === 'watch_up' && event.bucket === bucket);
  await until(
    () => Promise.resolve(following(statusBucket) && following(denyBucket)),
    'the offline gate follows both buckets',
  );
  const rider = await enroll();
  await topUp(rider, 100n);
  assert.equal((await tapOnline(rider, 'old-town-g1', 'in')).decision, 'OPEN');
  assert.equal((await tapOnline(rider, 'university-g1', 'out')).decision, 'OPEN');
  await until(async () => (await debt(rider)) === 290n, 'the declined fare becomes a debt');
  await until(async () => (await tapOffline(rider)) === 'DEBT_OUTSTANDING', 'the deny list reaches the offline gate');

  // A transit replica and a gate that start now load the deny list from the bucket.
  const port = await freePort();
  await start('transit', { ...transitEnv, TRANSIT_GRPC_PORT: String(port) });
  const replica = client(
    promiseClient(TransitServiceService, `127.0.0.1:${port}`, { metadata: () => bearer(gateToken) }),
  );
  const replicaTap = await replica.tap({
    presentation: rider.present('transit'),
    gateId: 'central-g1',
    direction: 'in',
    tappedAt: undefined,
    tapId: '',
  });
  assert.equal(replicaTap.reason, 'DEBT_OUTSTANDING', 'a new transit replica loaded the deny list');
  const gateView = await followAsGate(denyBucket);
  try {
    assert.ok(gateView.set.isRevoked(rider.residentId), 'a new gate loaded the deny list');
  } finally {
    await gateView.stop();
  }

  // The top-up event reaches transit, which charges the debt through the wallet and clears the deny list.
  await topUp(rider, 1_000n);
  await until(async () => (await debt(rider)) === 0n, 'the debt is collected after the top-up');
  assert.equal(await balance(rider), 1_100n - 290n);
  await until(async () => (await tapOffline(rider)) === 'OPEN', 'the cleared deny list reaches the offline gate');
});

test('nats permissions - transit charges and refunds through the wallet over NATS as its own user', async () => {
  const payer = await enroll();
  await topUp(payer, 1_000n);
  const key = randomBytes(8).toString('hex');
  const hold = await transitLink.charge({
    key,
    presentation: payer.present('transit'),
    stationId: 'central',
    amountMinor: 150n,
    currency: 'EUR',
    reference: `tap-${key}`,
  });
  assert.equal(await balance(payer), 850n);
  await transitLink.refund({ key: `${key}:refund`, holdId: hold.holdId, amountMinor: 150n, reason: 'fare corrected' });
  assert.equal(await balance(payer), 1_000n);
});

test('nats permissions - a revocation reaches the wallet, transit and the offline gate', async () => {
  const rider = await enroll();
  await topUp(rider, 500n);
  assert.equal(await tapOffline(rider), 'OPEN');
  await operator.revokeCredential({ credentialId: rider.credentialId, reason: 'phone reported stolen' });
  await until(
    async () => (await tapOffline(rider)) === 'CREDENTIAL_REVOKED',
    'the revocation reaches the offline gate',
  );
  await until(
    async () => (await tapOnline(rider, 'central-g1', 'in')).reason === 'CREDENTIAL_REVOKED',
    'the revocation reaches transit',
  );
  await until(
    async () => (await reasonOf(balance(rider))) === 'CREDENTIAL_REVOKED',
    'the revocation reaches the wallet',
  );
});

test('nats permissions - every durable consumer acknowledged its events, and the gate never lost a watch', async () => {
  const consumers: [NatsUser, string, string][] = [
    ['identity', streams.identity, 'identity-status-mirror'],
    ['wallet', streams.identity, 'wallet-accounts'],
    ['transit', streams.wallet, 'transit-topups'],
  ];
  for (const [user, stream, durable] of consumers) {
    const probe = await connectAs(nats, user);
    try {
      const info = await (await jetstreamManager(probe.nc)).consumers.info(stream, durable);
      assert.ok(info.delivered.stream_seq > 0, `${durable} was given events`);
      assert.deepEqual(
        [info.num_ack_pending, info.num_redelivered],
        [0, 0],
        `${durable} acknowledged every event at once`,
      );
    } finally {
      await probe.close();
    }
  }
  assert.deepEqual(
    gateEvents.filter((event) => event.type === 'watch_down'),
    [],
    'the gate never lost a watch',
  );
});

test('nats permissions - bucket readers answer flow control: 3 MB of values reach the gate, the wallet and transit', async () => {
  // The server asks a push consumer to confirm about every 2 MB delivered (flow control); a reader that may not answer
  // on $JS.FC.<stream>.> stalls. The gate here, and the watches of the wallet, transit and the offline gate (their
  // logs are checked last), must all answer. identity writes the status bucket and transit the deny list.
  for (const [writer, bucket] of [
    ['identity', statusBucket],
    ['transit', denyBucket],
  ] as const) {
    const { sent, received, flowControls, refusals } = await burst(nats, writer, bucket);
    assert.deepEqual(
      { received, refusals },
      { received: sent, refusals: [] },
      `${bucket}: every value arrived, nothing refused`,
    );
    assert.ok(flowControls > 0, `${bucket}: the server asked the gate for flow control`);
  }
});

test('nats permissions - each user is refused exactly what it must not do, and allowed its own subjects', async () => {
  const forbidden: Record<NatsUser, Attempt[]> = {
    gate: [
      ['subscribe', 'wallet.v1.>'],
      ['subscribe', 'wallet.v1.authorize', 'wallet'],
      ['subscribe', 'identity.v1.events.>'],
      ['subscribe', 'wallet.v1.events.>'],
      ['subscribe', `$KV.${statusBucket}.>`],
      ['publish', 'identity.v1.events.credential.revoked'],
      ['publish', 'wallet.v1.events.account.topped_up'],
      ['publish', 'transit.v1.events.tap.recorded'],
      ['publish', `$KV.${statusBucket}.forged`],
      ['publish', `$KV.${denyBucket}.forged`],
      ['publish', 'wallet.v1.authorize'],
      ['publish', '_INBOX.forged.reply'],
      ['subscribe', '_INBOX.wallet.>'],
      ['subscribe', '_INBOX.>'],
      ['publish', `$JS.API.STREAM.DELETE.KV_${denyBucket}`],
      ['publish', `$JS.API.STREAM.PURGE.KV_${statusBucket}`],
      ['publish', `$JS.API.CONSUMER.CREATE.${streams.identity}.reader`],
      ['publish', `$JS.API.CONSUMER.DELETE.KV_${statusBucket}.watcher`],
    ],
    identity: [
      ['subscribe', 'wallet.v1.>'],
      ['publish', 'wallet.v1.events.account.topped_up'],
      ['publish', `$KV.${denyBucket}.forged`],
      ['publish', '_INBOX.forged.reply'],
      ['subscribe', '_INBOX.transit.>'],
    ],
    wallet: [
      ['subscribe', 'wallet.v1.>'],
      ['publish', 'identity.v1.events.credential.issued'],
      ['publish', `$KV.${statusBucket}.forged`],
      ['publish', '_INBOX.forged.reply'],
    ],
    transit: [
      ['subscribe', 'wallet.v1.>'],
      ['subscribe', 'wallet.v1.authorize', 'wallet'],
      ['publish', 'wallet.v1.authorize'],
      ['publish', 'wallet.v1.capture'],
      ['publish', `$KV.${statusBucket}.forged`],
      ['publish', 'wallet.v1.events.account.topped_up'],
      ['publish', '_INBOX.forged.reply'],
      ['subscribe', '_INBOX.wallet.>'],
    ],
    health_billing: [
      ['subscribe', 'wallet.v1.>'],
      ['subscribe', 'wallet.v1.authorize', 'wallet'],
      ['publish', 'wallet.v1.authorize'],
      ['publish', 'wallet.v1.capture'],
      ['subscribe', 'identity.v1.events.>'],
      ['publish', `$KV.${statusBucket}.forged`],
      ['publish', 'identity.v1.events.service.onboarded'],
      ['publish', 'wallet.v1.events.account.topped_up'],
      ['publish', 'transit.v1.events.tap.recorded'],
      ['publish', '_INBOX.forged.reply'],
      ['subscribe', '_INBOX.wallet.>'],
      ['publish', `$JS.API.CONSUMER.CREATE.${streams.identity}.reader`],
    ],
    console: [
      ['subscribe', 'wallet.v1.>'],
      ['subscribe', 'wallet.v1.authorize', 'wallet'],
      ['subscribe', 'wallet.v1.events.>'],
      ['subscribe', 'identity.v1.events.>'],
      ['subscribe', 'transit.v1.events.>'],
      ['subscribe', '_INBOX.wallet.>'],
      ['subscribe', `$KV.${statusBucket}.>`],
      ['publish', 'transit.v1.live.taps'],
      ['publish', 'wallet.v1.live.authorizations'],
      ['publish', 'identity.v1.events.credential.revoked'],
      ['publish', 'wallet.v1.authorize'],
      ['publish', '_INBOX.forged.reply'],
      ['publish', `$JS.API.CONSUMER.CREATE.${streams.identity}.reader`],
    ],
  };
  const allowed: Record<NatsUser, Attempt[]> = {
    gate: [
      ['subscribe', '_INBOX.gate.probe.>'],
      ['publish', '$JS.API.INFO'],
    ],
    identity: [['subscribe', '_INBOX.identity.probe.>']],
    wallet: [
      ['subscribe', 'wallet.v1.void', 'wallet'],
      ['subscribe', 'wallet.v1.charge', 'wallet'],
      ['subscribe', '_INBOX.wallet.probe.>'],
    ],
    transit: [['subscribe', '_INBOX.transit.probe.>']],
    health_billing: [
      ['subscribe', '_INBOX.health_billing.probe.>'],
      ['publish', 'health_billing.v1.events.bill.paid'],
    ],
    console: [
      ['subscribe', '_INBOX.console.probe.>'],
      ['subscribe', 'transit.v1.live.>'],
      ['subscribe', 'wallet.v1.live.authorizations'],
      ['subscribe', 'identity.v1.events.credential.revoked'],
      ['publish', '$JS.API.INFO'],
    ],
  };
  for (const user of ['gate', 'identity', 'wallet', 'transit', 'health_billing', 'console'] as const) {
    assert.deepEqual(
      await refused(nats, user, [...forbidden[user], ...allowed[user]]),
      forbidden[user].map(refusal).sort(),
      `${user}: refused exactly the forbidden operations`,
    );
  }
});

test('nats permissions - a listener on wallet.v1.> hears no charge: its subscription is refused', async () => {
  const payer = await enroll();
  await topUp(payer, 500n);
  const listeners = await Promise.all((['gate', 'identity', 'transit'] as const).map((user) => connectAs(nats, user)));
  const heard: string[] = [];
  try {
    for (const probe of listeners)
      probe.nc.subscribe('wallet.v1.>', {
        callback: (error, msg) => {
          if (error === null) heard.push(msg.subject);
        },
      });
    await Promise.all(listeners.map((probe) => probe.nc.flush()));
    const key = randomBytes(8).toString('hex');
    await transitLink.charge({
      key,
      presentation: payer.present('transit'),
      stationId: 'central',
      amountMinor: 120n,
      currency: 'EUR',
      reference: `tap-${key}`,
    });
    assert.equal(await balance(payer), 380n, 'the charge went through the wallet');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(heard, [], 'no listener heard a request');
    assert.deepEqual(
      listeners.map((probe) => probe.refusals),
      [['subscription wallet.v1.>'], ['subscription wallet.v1.>'], ['subscription wallet.v1.>']],
    );
  } finally {
    await Promise.all(listeners.map((probe) => probe.close()));
  }
});

test('nats permissions - a refused publish stores nothing in the stream or bucket', async () => {
  const lastSeq = async (user: NatsUser, stream: string): Promise<number> => {
    const probe = await connectAs(nats, user);
    try {
      return (await (await jetstreamManager(probe.nc)).streams.info(stream)).state.last_seq;
    } finally {
      await probe.close();
    }
  };
  const writes: [NatsUser, string, NatsUser, string][] = [
    ['gate', 'identity.v1.events.credential.revoked', 'identity', streams.identity],
    ['gate', 'wallet.v1.events.account.topped_up', 'wallet', streams.wallet],
    ['gate', `$KV.${denyBucket}.forged`, 'transit', `KV_${denyBucket}`],
    ['wallet', `$KV.${statusBucket}.forged`, 'identity', `KV_${statusBucket}`],
    ['transit', 'identity.v1.events.credential.revoked', 'identity', streams.identity],
  ];
  for (const [writer, subject, owner, stream] of writes) {
    const before = await lastSeq(owner, stream);
    const probe = await connectAs(nats, writer);
    try {
      await assert.rejects(
        jetstream(probe.nc).publish(subject, 'forged', { timeout: 500 }),
        `${writer} gets no PubAck for ${subject}`,
      );
      await until(() => Promise.resolve(probe.refusals.length > 0), 'the refusal is reported', 2_000);
      assert.deepEqual(probe.refusals, [`publish ${subject}`]);
    } finally {
      await probe.close();
    }
    assert.equal(await lastSeq(owner, stream), before, `${stream} unchanged after ${writer} published to ${subject}`);
  }
});

test('nats permissions - only the configured users log in', async () => {
  const login = (options: { user?: string; pass?: string }) =>
    connect({ servers: nats.server.url, reconnect: false, ...options });
  await assert.rejects(login({}), /authorization violation/i);
  await assert.rejects(login({ user: 'stranger', pass: 'stranger-password' }), /authorization violation/i);
  await assert.rejects(login({ user: 'wallet', pass: nats.password('gate') }), /authorization violation/i);
  await (await login({ user: 'gate', pass: nats.password('gate') })).close();
});

test('nats permissions - no service was refused anything while it worked', () => {
  const violations = services.flatMap((service) =>
    service
      .output()
      .split('\n')
      .filter((line) => /permissions violation/i.test(line)),
  );
  assert.deepEqual(violations, []);
  assert.deepEqual(busErrors, []);
  assert.ok(
    services.every((service) => /"(identity|wallet|transit) started"/.test(service.output())),
    'every replica started',
  );
  const wallets = services.filter((service) => /"wallet started"/.test(service.output()));
  assert.ok(
    wallets.every((wallet) => wallet.output().includes('taps replayed into the risk engine')),
    "every wallet replica follows transit's taps",
  );
  assert.ok(
    wallets.every((wallet) => wallet.output().includes('shared risk outcomes followed')),
    "every wallet replica follows the others' risk outcomes",
  );
});
