// Gate decisions: the Tap RPC against transit running as its own process (with identity, the wallet, NATS and
// PostgreSQL on this machine), next to the tap floor measured in the same run at the same rate and concurrency: a
// bare gRPC unary call to a server that verifies one P-256 signature and records one tap through transit's group
// commit (bench/tap_floor.ts). Phases: sequential latency, an open loop at a fixed rate (default 1,000 taps/s) for
// p50/p99, the maximum sustained rate with many taps in flight, offline decisions (the gate's own verification, no
// network) per second against the bare verify rate, and how long a replaced credential keeps opening gates.
// Settlement is parked (TRANSIT_SETTLE_INTERVAL_MS) in those phases, so the figures are the gate path's. Then the
// gate path's isolation from background work (bench/gate_isolation.ts): the same open loop while settlement works
// through a backlog, in the same process (TRANSIT_ROLE=all) and in its own (TRANSIT_ROLE=gate + settlement),
// with each gate process's event-loop delay.
import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { ListGatesRequest, TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation, IssuerKeys, PresentationVerifier, ReplayCache, RevocationSet } from '@citypass/credential';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { freePort, testPostgres, uniqueName } from '@citypass/platform/testing';
import { startHarness } from '../services/identity/test/harness.ts';
import { decideTap, GateRuntime, grpcGateLink } from '@citypass/gate';
import { ResidentApp } from '@citypass/phone';
import { startServiceProcess } from '../test/support/service_process.ts';
import {
  cpuAccounting,
  cpuPerOperation,
  natsCpuOf,
  ownCpu,
  postgresCpuOf,
  processCpuOf,
  type CpuFigure,
} from './cpu.ts';
import { measureIsolation, type TransitRole } from './gate_isolation.ts';
import {
  closedLoopPhase,
  emit,
  inBatches,
  isFloor,
  median,
  openLoopPhase,
  peakRssMb,
  percentile,
  round2,
  sequentialPhase,
  timedLoop,
  type PhaseResult,
} from './lib.ts';
import { measurePropagation, type PropagationPhone } from './revocation_propagation.ts';
import { eventLoopDelay, gcPauses, histogramDiff, rpcHistogram } from './service_metrics.ts';
import { startTapFloor } from './tap_floor.ts';

const bench = 'transit_taps';
const residents = Number(process.env.BENCH_RESIDENTS ?? 200);
const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 4_000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const targetRate = Number(process.env.BENCH_RATE ?? 1_000);
const revocationRounds = Number(process.env.BENCH_REVOCATION_ROUNDS ?? 5);
const parkedMs = 3_600_000;
const tapMethod = 'TransitService/tap';

const identity = await startHarness({ LOG_LEVEL: 'error' });
const walletDb = await testPostgres();
const transitDb = await testPostgres();
const floorDb = await testPostgres();
const walletPort = await freePort();
const common = {
  NATS_URL: identity.nats.url,
  IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
  IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
  IDENTITY_ISSUER: identity.issuer,
  IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
  LOG_LEVEL: 'info',
};
const walletStream = uniqueName('WALLET');
// Settlement's charges must not be declined for limits in the isolation phases (a decline denies the rider).
const wallet = await startServiceProcess('wallet', {
  ...common,
  WALLET_GRPC_HOST: '127.0.0.1',
  WALLET_GRPC_PORT: String(walletPort),
  WALLET_DATABASE_URL: walletDb.url,
  WALLET_STREAM: walletStream,
  IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
  WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '1000000',
  WALLET_RISK_DAILY_LIMIT_MINOR: '1000000000000',
  WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000000000000',
});
const onboarded = await identity.operator.onboardService({
  idempotencyKey: randomBytes(8).toString('hex'),
  name: 'transit',
  displayName: 'Metro',
  contactEmail: 'ops@metro.example',
  extraScopes: ['settle:transit', 'refund:transit'],
  jwksJson: '',
  location: undefined,
});
const transitCommon = {
  ...common,
  TRANSIT_GRPC_HOST: '127.0.0.1',
  TRANSIT_DATABASE_URL: transitDb.url,
  TRANSIT_STREAM: uniqueName('TRANSIT'),
  WALLET_STREAM: walletStream,
  TRANSIT_DENY_BUCKET: uniqueName('deny'),
  IDENTITY_TOKEN_URL: `${identity.issuer}/token`,
  TRANSIT_CLIENT_SECRET: onboarded.clientSecret,
  ...(process.env.BENCH_TRANSIT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_TRANSIT_NODE_OPTIONS } : {}),
};
/** A transit process in one role, on ports of its own; settlement parked unless settleIntervalMs says otherwise. */
const startTransit = async (role: TransitRole, settleIntervalMs = parkedMs, extraEnv: Record<string, string> = {}) => {
  const grpcPort = await freePort();
  const metricsPort = await freePort();
  const process = await startServiceProcess('transit', {
    ...transitCommon,
    TRANSIT_ROLE: role,
    TRANSIT_GRPC_PORT: String(grpcPort),
    METRICS_PORT: String(metricsPort),
    TRANSIT_SETTLE_INTERVAL_MS: String(settleIntervalMs),
    ...extraEnv,
  });
  return { process, address: `127.0.0.1:${grpcPort}`, metricsPort };
};
const transit = await startTransit('all');
const address = transit.address;
const floor = await startTapFloor(floorDb.url);
// A gate is another machine: with BENCH_YIELD=1 the load generator (this process, and identity inside it, which
// is not on the tap path) runs at the lowest CPU priority, so the services it measures get the shared cores first.
if (process.env.BENCH_YIELD === '1') setPriority(19);
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
    location: undefined,
  });
  // A run on a loaded machine outlives one access token (the isolation phases then failed with TOKEN_EXPIRED):
  // the gates take a new one each minute, as a gate fleet would before its token expires.
  let gateToken = await tokenOf('gates', fleet.clientSecret, 'gate:gates');
  const refresh = setInterval(() => {
    // A refresh that fails keeps the token the gates have.
    void tokenOf('gates', fleet.clientSecret, 'gate:gates').then(
      (token) => {
        gateToken = token;
      },
      () => undefined,
    );
  }, 60_000);
  refresh.unref();
  const operatorToken = await tokenOf('operator', identity.config.IDENTITY_OPERATOR_CLIENT_SECRET, 'transit:admin');
  const operator = promiseClient(TransitServiceService, address, { metadata: () => bearer(operatorToken) });
  await operator.assignGates({
    reason: 'bench setup',
    clientId: 'gates',
    gateIds: (await operator.listGates(ListGatesRequest.fromPartial({ pageSize: 500 }))).gates.map(
      (gate) => gate.gateId,
    ),
  });
  operator.close();
  const gatesAt = (at: string) => promiseClient(TransitServiceService, at, { metadata: () => bearer(gateToken) });
  const gates = gatesAt(address);

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
  const phones = await inBatches(residents, 16, enrollPhone);
  // Phones of its own for revocation propagation (their counters start low), enrolled now: on a loaded machine the
  // run outlives the operator's access token, and enrolling them after the isolation phases failed with TOKEN_EXPIRED.
  const propagationPhones = await Promise.all(Array.from({ length: revocationRounds }, enrollPhone));
  // Riders have money, so the fares settlement charges in the isolation phases are paid (no rider is denied).
  const funding = (await identity.onboardWithToken('funding', ['topup:funding'], 'urn:citypass:wallet')).token;
  const fundingClient = promiseClient(WalletServiceService, `127.0.0.1:${walletPort}`, {
    metadata: () => bearer(funding),
  });
  for (const phone of phones)
    await fundingClient.topUp({
      idempotencyKey: randomBytes(8).toString('hex'),
      residentId: phone.residentId,
      amount: { amountMinor: 10n ** 11n, currency: 'EUR' },
      fundingReference: `bench-${phone.residentId}`,
    });
  fundingClient.close();
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
  let denied = 0;
  /** Failed calls by gRPC code and details, so a failure count says what failed. */
  const failures = new Map<string, number>();
  /** One tap through `client`; a DENY is counted (every rider here is in good standing: none should be). */
  const tapWith = async (client: typeof gates, presentation: string): Promise<void> => {
    const index = taps++;
    const answer = await client
      .tap({
        presentation,
        gateId: gateIds[index % gateIds.length] ?? '',
        direction: index % 2 === 0 ? 'in' : 'out',
        tappedAt: undefined,
        tapId: '',
      })
      .catch((error: unknown) => {
        const { code, details } = error as { code?: number; details?: string };
        // Numbers out: a deadline's details carry its timings ("after 11.514s"), one key per failed call otherwise.
        const key = `${String(code)} ${(details ?? '').replace(/\d+(\.\d+)?/g, 'N')}`.slice(0, 80);
        failures.set(key, (failures.get(key) ?? 0) + 1);
        throw error;
      });
    if (answer.decision !== 'OPEN') denied++;
  };
  const tapPhase = async <T>(count: number, run: (tap: (index: number) => Promise<void>) => Promise<T>) => {
    const pool = presentations(count);
    const deniedBefore = denied;
    const result = await run((index) => tapWith(gates, pool[index] ?? ''));
    return { result, denied: denied - deniedBefore };
  };
  const openCount = Math.ceil((targetRate * phaseMs) / 1000);

  // Warm both paths (JIT, connections, the credential cache), then floor and taps phase by phase.
  for (const presentation of presentations(residents)) await tapWith(gates, presentation);
  for (let index = 0; index < 200; index++) await floor.call();
  const floorSequential = await sequentialPhase(phaseMs / 2, 1e9, () => floor.call());
  const sequential = await tapPhase(8_000, (tap) => sequentialPhase(phaseMs, 8_000, tap));

  // Open loop at the target rate. Transit's own call-duration histogram (scraped before and after) gives the
  // server's share of each tap apart from the load generator's, which shares the two cores.
  const floorOpen = await openLoopPhase(targetRate, openCount, () => floor.call());
  const before = await rpcHistogram(transit.metricsPort, tapMethod);
  await eventLoopDelay(transit.metricsPort);
  const open = await tapPhase(openCount, (tap) => openLoopPhase(targetRate, openCount, tap));
  const openLoopDelay = await eventLoopDelay(transit.metricsPort);
  const server = histogramDiff(before, await rpcHistogram(transit.metricsPort, tapMethod));

  // Maximum sustained rate: many taps in flight, closed loop; the floor at the same concurrency, with its server's
  // CPU per tap (far less noisy than its rate on a shared machine: transit's CPU per tap is compared with it).
  const floorCpu = cpuPerOperation({
    'tap floor': processCpuOf(floor.pid),
    postgres: postgresCpuOf(new URL(floorDb.url).pathname.slice(1)),
    'load generator': ownCpu,
  });
  const floorClosed = await closedLoopPhase(inFlight, phaseMs, 1e9, () => floor.call());
  const cpuPerFloorTap = floorCpu.end(bench, 'tap floor', floorClosed.latencies.length);
  // The CPU each part spends per tap in this phase: what scripts/capacity.ts sizes a city from. Settlement is
  // parked (TRANSIT_SETTLE_INTERVAL_MS), so this is the gate path alone. Metered once the phase's presentations
  // are signed (the phones' work), so the load generator's figure is its calls alone.
  const closedMeters = {
    transit: processCpuOf(transit.process.child.pid ?? -1),
    postgres: postgresCpuOf(new URL(transitDb.url).pathname.slice(1)),
    nats: natsCpuOf(Number(new URL(identity.nats.url).port)),
    'load generator': ownCpu,
  };
  const closedCount = Math.ceil((6 * targetRate * phaseMs) / 1000);
  const closed = await tapPhase(closedCount, async (tap) => {
    const gcBefore = await gcPauses(transit.metricsPort);
    const closedCpu = cpuPerOperation(closedMeters);
    const result = await closedLoopPhase(inFlight, phaseMs, closedCount, tap);
    const cpu = closedCpu.end(bench, 'tap', result.latencies.length);
    const gcAfter = await gcPauses(transit.metricsPort);
    return { ...result, cpu, gc: gcPerTap(gcBefore, gcAfter, result.latencies.length) };
  });
  const cpuPerTap = closed.result.cpu;

  // The gate path while settlement works through the backlog the phases above left (bench/gate_isolation.ts).
  const deniedBeforeIsolation = denied;
  const isolation = await measureIsolation({
    bench,
    startTransit,
    rate: targetRate,
    count: openCount,
    warmTaps: residents,
    tap: tapWith,
    presentations,
    gatesAt,
    transitDbUrl: transitDb.url,
    idle: { result: open.result, loopDelayP99Ms: openLoopDelay.p99 },
  });

  const isolationDenied = denied - deniedBeforeIsolation;

  // Revocation propagation (bench/revocation_propagation.ts), with the phones enrolled for it at the start.
  const propagation = await withOfflineGate(
    () => gateToken,
    (offlineGate) =>
      measurePropagation(propagationPhones, {
        gates,
        onlineGateId: 'central-g2',
        offlineGate,
        timeoutMs: 10_000,
        issuer: identity.issuer,
      }),
  );
  gates.close();
  clearInterval(refresh);
  const offline = await measureOffline(presentations);

  const p = (result: PhaseResult, percent: number): number =>
    percent === 50 ? median(result.latencies) : percentile(result.latencies, percent);
  const thisIsTheFloor = isFloor;
  for (const [phase, tapsOf, floorOf] of [
    ['sequential', sequential.result, floorSequential],
    [`open_loop_${targetRate}_per_s`, open.result, floorOpen],
  ] as const) {
    for (const percent of [50, 99]) {
      emit({
        bench,
        metric: `${phase}_tap_p${percent}_ms`,
        value: round2(p(tapsOf, percent)),
        unit: 'ms',
        floor: round2(p(floorOf, percent)),
        samples: tapsOf.latencies.length,
      });
      emit({
        bench,
        metric: `floor_${phase}_p${percent}_ms`,
        value: round2(p(floorOf, percent)),
        unit: 'ms',
        ...thisIsTheFloor,
      });
    }
  }
  emit({
    bench,
    metric: `in_flight_${inFlight}_taps_per_s`,
    value: round2(closed.result.opsPerSecond),
    unit: 'taps/s',
    floor: round2(floorClosed.opsPerSecond),
  });
  emit({
    bench,
    metric: `floor_in_flight_${inFlight}_per_s`,
    value: round2(floorClosed.opsPerSecond),
    unit: 'ops/s',
    ...thisIsTheFloor,
  });
  emit({
    bench,
    metric: `open_loop_${targetRate}_per_s_achieved_rate`,
    value: round2(open.result.opsPerSecond),
    unit: 'taps/s',
    floor: round2(floorOpen.opsPerSecond),
  });
  const serverOnly = { floor: null, floor_missing: "the server's own histogram: the floor server keeps none" } as const;
  emit({
    bench,
    metric: `open_loop_${targetRate}_per_s_server_p50_at_most_ms`,
    value: server.p50,
    unit: 'ms',
    ...serverOnly,
  });
  emit({
    bench,
    metric: `open_loop_${targetRate}_per_s_server_p99_at_most_ms`,
    value: server.p99,
    unit: 'ms',
    ...serverOnly,
  });
  emit({
    bench,
    metric: `open_loop_${targetRate}_per_s_server_share_within_10ms`,
    value: round2(server.within10),
    unit: 'ratio',
    ...serverOnly,
  });
  emit({
    bench,
    metric: `open_loop_${targetRate}_per_s_event_loop_delay_p99_ms`,
    value: round2(openLoopDelay.p99),
    unit: 'ms',
    floor: null,
    floor_missing: 'a process doing nothing else has no delay to compare with; see the isolation figures',
  });
  const counts = { floor: null, floor_missing: 'a count that must be 0, not a cost' } as const;
  for (const [metric, value] of [
    ['denied', sequential.denied + open.denied + closed.denied],
    ['isolation_denied', isolationDenied],
    ['failed', sequential.result.failed + open.result.failed + closed.result.failed],
    ['floor_failed', floorSequential.failed + floorOpen.failed + floorClosed.failed],
  ] as const)
    emit({
      bench,
      metric,
      value,
      unit: 'taps',
      ...counts,
      ...(metric === 'failed' ? { reasons: Object.fromEntries(failures) } : {}),
    });
  for (const figure of isolation) emit(figure);
  emit({
    bench,
    metric: 'offline_decisions_per_s',
    value: round2(offline.decisionsPerS),
    unit: 'ops/s',
    floor: round2(offline.verifyPerS),
  });
  emit({
    bench,
    metric: 'floor_p256_verify_per_s',
    value: round2(offline.verifyPerS),
    unit: 'ops/s',
    ...thisIsTheFloor,
  });
  emit({ bench, metric: 'offline_open', value: offline.open, unit: 'taps', floor: null, floor_missing: 'a count' });
  const noFloor = {
    floor: null,
    floor_missing: 'no floor defined for revocation propagation (a delay, not a cost)',
  } as const;
  for (const [metric, values] of [
    ['revocation_propagation_online_tap', propagation.map((each) => each.onlineMs)],
    ['revocation_propagation_offline_gate', propagation.map((each) => each.offlineMs)],
  ] as const) {
    emit({ bench, metric: `${metric}_p50_ms`, value: round2(median(values)), unit: 'ms', ...noFloor });
    emit({ bench, metric: `${metric}_max_ms`, value: round2(Math.max(...values)), unit: 'ms', ...noFloor });
  }
  for (const figure of [...cpuPerFloorTap, ...cpuPerTap]) emit({ ...figure, ...cpuAccounting });
  // The service's CPU per tap against the floor server's, and PostgreSQL's for each, from the two closed loops.
  const cpuOfPart = (figures: readonly CpuFigure[], part: string): number | null =>
    figures.find((figure) => figure.part === part)?.value ?? null;
  for (const [metric, value, floorValue] of [
    ['transit_cpu_per_tap_us', cpuOfPart(cpuPerTap, 'transit'), cpuOfPart(cpuPerFloorTap, 'tap floor')],
    ['postgres_cpu_per_tap_us', cpuOfPart(cpuPerTap, 'postgres'), cpuOfPart(cpuPerFloorTap, 'postgres')],
  ] as const)
    emit({
      bench,
      metric,
      value,
      unit: 'us/op',
      ...(floorValue === null
        ? { floor: null, floor_missing: "the floor's CPU could not be read (not Linux, or too few taps)" }
        : { floor: floorValue }),
    });
  // Transit's garbage-collection pauses in the same closed loop (its own gc_pause histogram), by kind: how much of its
  // CPU per tap and of its tail is the collector's. Pauses are wall time, so a loaded machine lengthens them.
  const gcKinds = closed.result.gc;
  emit({
    bench,
    metric: 'transit_gc_pause_us_per_tap',
    value: Object.values(gcKinds).reduce((sum, kind) => sum + kind.usPerTap, 0),
    unit: 'us/op',
    by_kind: gcKinds,
    floor: null,
    floor_missing: 'the floor server keeps no metrics; compare with transit_cpu_per_tap_us',
  });
  // Peak RSS (VmHWM) of the transit and wallet processes over the whole run against the tap floor server's
  // (issue 12: <= 150 MB per service).
  const floorRss = floor.peakRssMb();
  const rssFloor =
    floorRss === null
      ? ({ floor: null, floor_missing: "the floor server's peak RSS could not be read (not Linux)" } as const)
      : { floor: floorRss, floor_is: "the tap floor server's peak RSS in the same run" };
  for (const [service, pid] of [
    ['transit', transit.process.child.pid],
    ['wallet', wallet.child.pid],
  ] as const)
    emit({
      bench,
      metric: `${service}_peak_rss_mb`,
      value: peakRssMb(pid ?? -1),
      unit: 'MB',
      ...rssFloor,
      goal_at_most: 150,
    });
  emit({ bench, metric: 'tap_floor_server_peak_rss_mb', value: floorRss, unit: 'MB', ...isFloor });
} finally {
  await floor.stop();
  await transit.process.stop();
  await wallet.stop();
  await floorDb.drop();
  await transitDb.drop();
  await walletDb.drop();
  await identity.stop();
}

/**
 * Offline decisions: the gate's verifier (issuer keys from a saved JWKS, replay cache, deny list) in this process,
 * against bare P-256 verifies of the same size of message, alternating so both see the same machine.
 */
async function measureOffline(
  presentations: (count: number) => string[],
): Promise<{ decisionsPerS: number; verifyPerS: number; open: number }> {
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
  let open = 0;
  // Taken by index, not shift(): the pool's backing store (60,000 elements) is too large for V8 to trim in place,
  // so each shift() moved all of it, about as long as a P-256 verify (70-90 us), and was counted as the decision's.
  let next = 0;
  for (let round = 0; round < 5; round++) {
    verifyRates.push(
      timedLoop(phaseMs / 10, 1e9, () => {
        createVerify('SHA256').update(message).verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
      }).opsPerSecond,
    );
    const started = performance.now();
    const deadline = started + phaseMs / 10;
    let decisions = 0;
    while (performance.now() < deadline && next < offlinePool.length) {
      const decision = await decideTap(verifier, denyList, offlinePool[next++] ?? '', Date.now());
      if (decision.decision === 'OPEN') open++;
      decisions++;
    }
    offlineRates.push((decisions * 1000) / (performance.now() - started));
  }
  return { decisionsPerS: median(offlineRates), verifyPerS: median(verifyRates), open };
}

function gcPerTap(
  before: Map<string, { count: number; totalMs: number }>,
  after: Map<string, { count: number; totalMs: number }>,
  taps: number,
): Record<string, { pauses: number; usPerTap: number }> {
  return Object.fromEntries(
    [...after].map(([kind, { count, totalMs }]) => [
      kind,
      {
        pauses: count - (before.get(kind)?.count ?? 0),
        usPerTap: Math.round(((totalMs - (before.get(kind)?.totalMs ?? 0)) * 1000) / taps),
      },
    ]),
  );
}

/** Runs `measure` with a GateRuntime cut off from transit that follows identity's buckets over NATS. */
async function withOfflineGate<T>(gateToken: () => string, measure: (gate: GateRuntime) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'citypass-bench-gate-'));
  const nc = await connect({ servers: identity.nats.url });
  const link = grpcGateLink(address, () => Promise.resolve(gateToken()));
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
