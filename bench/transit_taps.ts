// Gate decisions: the Tap RPC against transit running as its own process (with identity, the wallet, NATS and
// PostgreSQL on this machine), next to the raw floor measured in the same run: a bare gRPC unary call to the same
// transit process (grpc.health.v1 Check) and a bare P-256 signature verification. Phases: sequential latency, an
// open loop at a fixed rate (default 1,000 taps/s) for p50/p99, the maximum sustained rate with many taps in flight,
// offline decisions (the gate's own verification, no network) per second against the bare verify rate, and how
// long a replaced credential keeps opening gates (revocation propagation, online and offline).
// Settlement runs on its own schedule and is paused here (TRANSIT_SETTLE_INTERVAL_MS) so the figures are the gate
// path's; the wallet's own bench measures the charges settlement makes.
import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { HealthCheckRequest, HealthClient } from '@citypass/proto/grpc/health/v1/health';
import { ListGatesRequest, TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { createPresentation, IssuerKeys, PresentationVerifier, ReplayCache, RevocationSet } from '@citypass/credential';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { freePort, testPostgres, uniqueName } from '@citypass/platform/testing';
import { startHarness } from '../services/identity/test/harness.ts';
import { decideTap, GateRuntime, grpcGateLink } from '@citypass/gate';
import { ResidentApp } from '@citypass/phone';
import { startServiceProcess } from '../test/support/service_process.ts';
import { cpuPerOperation, natsCpuOf, ownCpu, postgresCpuOf, processCpuOf } from './cpu.ts';
import { emit, median, percentile, timedLoop } from './lib.ts';
import { measurePropagation, type PropagationPhone } from './revocation_propagation.ts';

const bench = 'transit_taps';
const residents = Number(process.env.BENCH_RESIDENTS ?? 200);
const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 4_000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const targetRate = Number(process.env.BENCH_RATE ?? 1_000);
const revocationRounds = Number(process.env.BENCH_REVOCATION_ROUNDS ?? 5);

const identity = await startHarness({ LOG_LEVEL: 'error' });
const walletDb = await testPostgres();
const transitDb = await testPostgres();
const walletPort = await freePort();
const transitPort = await freePort();
const transitMetricsPort = await freePort();
const common = {
  NATS_URL: identity.nats.url,
  IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
  IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
  IDENTITY_ISSUER: identity.issuer,
  IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
  LOG_LEVEL: 'info',
};
const walletStream = uniqueName('WALLET');
const wallet = await startServiceProcess('wallet', {
  ...common,
  WALLET_GRPC_HOST: '127.0.0.1',
  WALLET_GRPC_PORT: String(walletPort),
  WALLET_DATABASE_URL: walletDb.url,
  WALLET_STREAM: walletStream,
  IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
});
const onboarded = await identity.operator.onboardService({
  idempotencyKey: randomBytes(8).toString('hex'),
  name: 'transit',
  displayName: 'Metro',
  contactEmail: 'ops@metro.example',
  extraScopes: ['settle:transit', 'refund:transit'],
  jwksJson: '',
});
const transit = await startServiceProcess('transit', {
  ...common,
  TRANSIT_GRPC_HOST: '127.0.0.1',
  TRANSIT_GRPC_PORT: String(transitPort),
  TRANSIT_DATABASE_URL: transitDb.url,
  TRANSIT_STREAM: uniqueName('TRANSIT'),
  WALLET_STREAM: walletStream,
  TRANSIT_DENY_BUCKET: uniqueName('deny'),
  IDENTITY_TOKEN_URL: `${identity.issuer}/token`,
  TRANSIT_CLIENT_SECRET: onboarded.clientSecret,
  TRANSIT_SETTLE_INTERVAL_MS: String(3_600_000),
  METRICS_PORT: String(transitMetricsPort),
  ...(process.env.BENCH_TRANSIT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_TRANSIT_NODE_OPTIONS } : {}),
});
const address = `127.0.0.1:${transitPort}`;
// A gate is another machine: with BENCH_YIELD=1 the load generator (this process, and identity inside it, which
// is not on the tap path) runs at the lowest CPU priority, so the services it measures get the shared cores first.
if (process.env.BENCH_YIELD === '1') setPriority(19);
const health = new HealthClient(address, grpcCredentials.createInsecure());
try {
  const tokenOf = async (clientId: string, secret: string, scope: string): Promise<string> =>
    (
      (await (await identity.clientCredentialsToken(clientId, secret, 'urn:citypass:transit', scope)).json()) as {
        access_token: string;
      }
    ).access_token;
  const fleet = await identity.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name: 'gates',
    displayName: 'Gates',
    contactEmail: 'gates@metro.example',
    extraScopes: ['gate:gates'],
    jwksJson: '',
  });
  const gateToken = await tokenOf('gates', fleet.clientSecret, 'gate:gates');
  const operatorToken = await tokenOf('operator', identity.config.IDENTITY_OPERATOR_CLIENT_SECRET, 'transit:admin');
  const operator = promiseClient(TransitServiceService, address, { metadata: () => bearer(operatorToken) });
  await operator.assignGates({
    clientId: 'gates',
    gateIds: (await operator.listGates(ListGatesRequest.fromPartial({ pageSize: 500 }))).gates.map(
      (gate) => gate.gateId,
    ),
  });
  operator.close();
  const gates = promiseClient(TransitServiceService, address, { metadata: () => bearer(gateToken) });

  const enrollPhone = async (): Promise<PropagationPhone> => {
    const created = await identity.operator.createResident({
      idempotencyKey: randomBytes(8).toString('hex'),
      givenName: 'Bench',
      familyName: 'Rider',
      birthDate: '1990-01-01',
      concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
      coveragePlanRef: '',
    });
    const app = new ResidentApp(identity.issuer);
    const password = 'bench password 123';
    const token = await app.enroll(created.enrollmentCode?.code ?? '', password);
    const credential =
      ((await (await app.requestCredential(token)).json()) as { credentials: { credential: string }[] }).credentials[0]
        ?.credential ?? '';
    return { app, credential, residentId: created.resident?.residentId ?? '', password };
  };
  const phones = await Promise.all(Array.from({ length: residents }, enrollPhone));
  // Presentations are made before each phase (signing is the phone's work, not the gate's), round-robin over the
  // residents so one phone's taps are far apart and its counter only grows.
  let counter = 0;
  const presentations = (count: number, audience = 'transit'): string[] =>
    Array.from({ length: count }, (_, index) => {
      const phone = phones[index % phones.length];
      if (phone === undefined) throw new Error('no phones');
      return createPresentation({
        credential: phone.credential,
        devicePrivateKey: phone.app.deviceKey.privateKey,
        audience,
        counter: ++counter,
        nowMs: Date.now(),
        ttlSeconds: 60,
      });
    });
  const gateIds = ['central-g1', 'market-g1', 'airport-g2', 'harbour-g2'];
  let taps = 0;
  const tapOnce = async (presentation: string): Promise<{ ms: number; open: boolean }> => {
    const index = taps++;
    const started = performance.now();
    const answer = await gates.tap({
      presentation,
      gateId: gateIds[index % gateIds.length] ?? '',
      direction: index % 2 === 0 ? 'in' : 'out',
      tappedAt: undefined,
      tapId: '',
    });
    return { ms: performance.now() - started, open: answer.decision === 'OPEN' };
  };
  const check = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      health.check(HealthCheckRequest.fromPartial({ service: '' }), (error) => {
        if (error) reject(error);
        else resolve(performance.now() - started);
      });
    });

  // Warm both paths (JIT, connections, the credential cache), then the floor.
  for (const presentation of presentations(residents)) await tapOnce(presentation);
  for (let index = 0; index < 200; index++) await check();
  const floorGrpc: number[] = [];
  const floorEnd = performance.now() + phaseMs / 2;
  while (performance.now() < floorEnd) floorGrpc.push(await check());

  // Sequential taps.
  const sequential: number[] = [];
  let sequentialDenied = 0;
  const sequentialPool = presentations(8_000);
  const sequentialEnd = performance.now() + phaseMs;
  while (performance.now() < sequentialEnd && sequentialPool.length > 0) {
    const { ms, open } = await tapOnce(sequentialPool.shift() ?? '');
    sequential.push(ms);
    if (!open) sequentialDenied++;
  }

  // Open loop at the target rate. Transit's own call-duration histogram (scraped before and after) gives the
  // server's share of each tap apart from the load generator's, which shares the two cores.
  const before = await tapHistogram(transitMetricsPort);
  const openPool = presentations(Math.ceil((targetRate * phaseMs) / 1000));
  const openLatency: number[] = [];
  let openDenied = 0;
  let openFailed = 0;
  const pending: Promise<void>[] = [];
  const openStart = performance.now();
  for (let index = 0; index < openPool.length; index++) {
    const wait = openStart + (index * 1000) / targetRate - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      tapOnce(openPool[index] ?? '').then(
        ({ ms, open }) => {
          openLatency.push(ms);
          if (!open) openDenied++;
        },
        () => {
          openFailed++;
        },
      ),
    );
  }
  await Promise.all(pending);
  const achievedRate = openPool.length / ((performance.now() - openStart) / 1000);
  const server = histogramDiff(before, await tapHistogram(transitMetricsPort));

  // Maximum sustained rate: many taps in flight, closed loop.
  const closedPool = presentations(Math.ceil((6 * targetRate * phaseMs) / 1000));
  let closedTaps = 0;
  let closedDenied = 0;
  // The CPU each part spends per tap in this phase: what scripts/capacity.ts sizes a city from. Settlement is
  // parked (TRANSIT_SETTLE_INTERVAL_MS), so this is the gate path alone.
  const closedCpu = cpuPerOperation({
    transit: processCpuOf(transit.child.pid ?? -1),
    postgres: postgresCpuOf(new URL(transitDb.url).pathname.slice(1)),
    nats: natsCpuOf(Number(new URL(identity.nats.url).port)),
    'load generator': ownCpu,
  });
  const closedStart = performance.now();
  const closedEnd = closedStart + phaseMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < closedEnd && closedPool.length > 0) {
        const { open } = await tapOnce(closedPool.shift() ?? '');
        closedTaps++;
        if (!open) closedDenied++;
      }
    }),
  );
  const closedRate = closedTaps / ((performance.now() - closedStart) / 1000);
  const cpuPerTap = closedCpu.end(bench, 'tap', closedTaps);

  // Revocation propagation (bench/revocation_propagation.ts), with phones of its own (their counters start low).
  const propagationPhones = await Promise.all(Array.from({ length: revocationRounds }, enrollPhone));
  const propagation = await withOfflineGate(gateToken, (offlineGate) =>
    measurePropagation(propagationPhones, {
      gates,
      onlineGateId: 'central-g2',
      offlineGate,
      timeoutMs: 10_000,
      issuer: identity.issuer,
    }),
  );
  gates.close();

  // Offline decisions: the gate's verifier (issuer keys from a saved JWKS, replay cache, deny list) in this process,
  // against bare P-256 verifies of the same size of message, alternating so both see the same machine.
  const jwks = await (await fetch(`${identity.issuer}/jwks`)).text();
  const verifier = new PresentationVerifier({
    issuer: identity.issuer,
    issuerKeys: new IssuerKeys({ jwks: JSON.parse(jwks) as unknown }),
    revocations: new RevocationSet(),
    replayCache: new ReplayCache({ maxEntries: 1_000_000 }),
  });
  const denyList = { isDenied: () => false };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = Buffer.from(randomBytes(300).toString('base64url'));
  const signature = createSign('SHA256').update(message).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  const offlinePool = presentations(60_000);
  for (const presentation of offlinePool.splice(0, residents))
    await decideTap(verifier, denyList, presentation, Date.now());
  const offlineRates: number[] = [];
  const verifyRates: number[] = [];
  let offlineOpen = 0;
  for (let round = 0; round < 5; round++) {
    verifyRates.push(
      timedLoop(phaseMs / 10, 1e9, () => {
        createVerify('SHA256').update(message).verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
      }).opsPerSecond,
    );
    const started = performance.now();
    const deadline = started + phaseMs / 10;
    let decisions = 0;
    while (performance.now() < deadline && offlinePool.length > 0) {
      const decision = await decideTap(verifier, denyList, offlinePool.shift() ?? '', Date.now());
      if (decision.decision === 'OPEN') offlineOpen++;
      decisions++;
    }
    offlineRates.push((decisions * 1000) / (performance.now() - started));
  }

  const floorP50 = median(floorGrpc);
  const round = (value: number): number => Math.round(value * 100) / 100;
  const figures: [string, number, string][] = [
    ['floor_grpc_unary_p50_ms', floorP50, 'ms'],
    ['sequential_tap_p50_ms', median(sequential), 'ms'],
    ['sequential_tap_p99_ms', percentile(sequential, 99), 'ms'],
    ['sequential_tap_p50_to_floor_p50', median(sequential) / floorP50, 'ratio'],
    ['sequential_denied', sequentialDenied, 'taps'],
    [`open_loop_${targetRate}_per_s_achieved_rate`, achievedRate, 'taps/s'],
    [`open_loop_${targetRate}_per_s_tap_p50_ms`, median(openLatency), 'ms'],
    [`open_loop_${targetRate}_per_s_tap_p99_ms`, percentile(openLatency, 99), 'ms'],
    [`open_loop_${targetRate}_per_s_denied`, openDenied, 'taps'],
    [`open_loop_${targetRate}_per_s_failed`, openFailed, 'taps'],
    [`open_loop_${targetRate}_per_s_server_p50_at_most_ms`, server.p50, 'ms'],
    [`open_loop_${targetRate}_per_s_server_p99_at_most_ms`, server.p99, 'ms'],
    [`open_loop_${targetRate}_per_s_server_share_within_10ms`, server.within10, 'ratio'],
    [`in_flight_${inFlight}_taps_per_s`, closedRate, 'taps/s'],
    [`in_flight_${inFlight}_denied`, closedDenied, 'taps'],
    ['floor_p256_verify_per_s', median(verifyRates), 'ops/s'],
    ['offline_decisions_per_s', median(offlineRates), 'ops/s'],
    ['offline_decisions_to_bare_verify', median(offlineRates) / median(verifyRates), 'ratio'],
    ['offline_open', offlineOpen, 'taps'],
    ['revocation_propagation_online_tap_p50_ms', median(propagation.map((round) => round.onlineMs)), 'ms'],
    ['revocation_propagation_online_tap_max_ms', Math.max(...propagation.map((round) => round.onlineMs)), 'ms'],
    ['revocation_propagation_offline_gate_p50_ms', median(propagation.map((round) => round.offlineMs)), 'ms'],
    ['revocation_propagation_offline_gate_max_ms', Math.max(...propagation.map((round) => round.offlineMs)), 'ms'],
  ];
  for (const [metric, value, unit] of figures) emit({ bench, metric, value: round(value), unit });
  for (const figure of cpuPerTap) emit(figure);
} finally {
  health.close();
  await transit.stop();
  await wallet.stop();
  await transitDb.drop();
  await walletDb.drop();
  await identity.stop();
}

/** Runs `measure` with a GateRuntime cut off from transit that follows identity's buckets over NATS. */
async function withOfflineGate<T>(gateToken: string, measure: (gate: GateRuntime) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'citypass-bench-gate-'));
  const nc = await connect({ servers: identity.nats.url });
  const link = grpcGateLink(address, () => Promise.resolve(gateToken));
  let following: () => void = () => undefined;
  const watching = new Promise<void>((resolve) => {
    following = resolve;
  });
  const gate = new GateRuntime({
    gateId: 'harbour-g1',
    issuer: identity.issuer,
    link,
    journalDir: dir,
    nats: nc,
    onEvent: (event) => {
      if (event.type === 'watch_up' && event.bucket === identity.config.IDENTITY_STATUS_BUCKET) following();
    },
  });
  try {
    await gate.start();
    gate.setOnline(false);
    await watching;
    return await measure(gate);
  } finally {
    await gate.stop();
    link.close();
    await nc.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Cumulative counts of transit's Tap call durations by bucket upper bound (ms), from its Prometheus endpoint. */
async function tapHistogram(port: number): Promise<Map<number, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('rpc_server_duration') || !line.includes('_bucket{') || !line.includes('TransitService/tap"'))
      continue;
    const bound = /le="([^"]+)"/.exec(line)?.[1];
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (bound === undefined) continue;
    const key = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
    buckets.set(key, (buckets.get(key) ?? 0) + count);
  }
  return buckets;
}

/** Percentiles as bucket upper bounds of the calls between two scrapes, and the share done within 10 ms. */
function histogramDiff(
  before: Map<number, number>,
  after: Map<number, number>,
): { p50: number; p99: number; within10: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const cumulative = bounds.map((bound) => [bound, (after.get(bound) ?? 0) - (before.get(bound) ?? 0)] as const);
  const total = cumulative.at(-1)?.[1] ?? 0;
  const at = (share: number): number => cumulative.find(([, count]) => count >= share * total)?.[0] ?? Number.NaN;
  const within10 = (cumulative.find(([bound]) => bound === 10)?.[1] ?? Number.NaN) / total;
  return { p50: at(0.5), p99: at(0.99), within10 };
}
