// Authorize + capture over NATS request/reply with PostgreSQL commits, the wallet running as its own process, and
// the combined charge (authorize and capture in one request, one commit) beside it. Every figure is printed next to
// the charge floor of issue 12 measured in the same run on the same broker and PostgreSQL server
// (bench/charge_floor.ts: a bare NATS responder process that verifies one P-256 signature, commits a conditional
// UPDATE plus an INSERT from a pool of 8 on its own database, publishes one JetStream event and answers):
// sequential, call by call between the wallet's; the loaded phases just before the wallet's, as long. Phases:
// sequential latency, throughput with many in flight, and an open-loop run at a fixed rate (default 1,000
// authorizations/s) for p50/p99 under that load. The bare parts (a NATS echo and a conditional UPDATE commit) are
// printed too. The load generator (and identity, used for setup) share this machine's two cores with the wallet,
// the floor's server, PostgreSQL and NATS. Then a hot account: the other residents' latency with and without a
// storm on one resident's account. Last, each process's peak RSS.
import { randomBytes } from 'node:crypto';
import { setPriority } from 'node:os';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { AuthorizeRequest, AuthorizeResponse, CaptureRequest, ChargeRequest } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation } from '@citypass/credential';
import { request } from '@citypass/platform/bus';
import { freePort, testPostgres } from '@citypass/platform/testing';
import { startHarness } from '../services/identity/test/harness.ts';
import { startServiceProcess } from '../test/support/service_process.ts';
import { chargeFloorPhase, startChargeFloor, warmChargeFloor, type ChargeFloor } from './charge_floor.ts';
import { cpuAccounting, cpuPerOperation, natsCpuOf, ownCpu, postgresCpuOf, processCpuOf } from './cpu.ts';
import {
  answeredPerSecond,
  closedLoopPhase,
  emit,
  isFloor,
  median,
  openLoopPhase,
  peakRssMb,
  percentile,
  round2,
  type FloorFields,
  type PhaseResult,
} from './lib.ts';
import { payers } from './wallet_authorize_rate.ts';

const bench = 'wallet_charges';
const residents = Number(process.env.BENCH_RESIDENTS ?? 32);
const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 3_000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const targetRate = Number(process.env.BENCH_RATE ?? 1_000);

const identity = await startHarness({ LOG_LEVEL: 'error' });
const database = await testPostgres();
const floorDb = await testPostgres();
const port = await freePort();
const wallet = await startServiceProcess('wallet', {
  WALLET_GRPC_HOST: '127.0.0.1',
  WALLET_GRPC_PORT: String(port),
  WALLET_DATABASE_URL: database.url,
  NATS_URL: identity.nats.url,
  IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
  IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
  IDENTITY_ISSUER: identity.issuer,
  IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
  LOG_LEVEL: 'info',
  ...(process.env.BENCH_WALLET_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WALLET_NODE_OPTIONS } : {}),
  WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '1000000',
  WALLET_RISK_DAILY_LIMIT_MINOR: '1000000000000',
  WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000000000000',
});
// With BENCH_YIELD=1 the load generator (this process; identity inside it is only used for setup) runs at the
// lowest CPU priority, so the wallet, PostgreSQL and NATS it measures get the shared cores first.
if (process.env.BENCH_YIELD === '1') setPriority(19);
// The wallet's peak RSS (VmHWM, which only grows) read after start and after each phase: the phase whose line rises
// is the one that set the peak.
const walletPeakAfter: Record<string, number | null> = { start: peakRssMb(wallet.child.pid ?? -1) };
const markPhase = (phase: string): void => {
  walletPeakAfter[phase] = peakRssMb(wallet.child.pid ?? -1);
};
const nc: NatsConnection = await connect({ servers: identity.nats.url });
const db = new pg.Client({ connectionString: database.url });
let floor: ChargeFloor | undefined;
try {
  await db.connect();
  const tokenOf = async (name: string, extra: string[]): Promise<string> =>
    (await identity.onboardWithToken(name, extra, 'urn:citypass:wallet')).token;
  const headers = { Authorization: `Bearer ${await tokenOf('shop', [])}` };
  const funding = { Authorization: `Bearer ${await tokenOf('funding', ['topup:funding'])}` };
  while ((await db.query("SELECT 1 FROM accounts WHERE kind = 'merchant' AND owner = 'shop'")).rowCount === 0)
    await new Promise((r) => setTimeout(r, 50));

  const phones = await payers(identity, residents);

  const { WalletServiceService } = await import('@citypass/proto/wallet/v1/wallet');
  const { promiseClient, bearer } = await import('@citypass/platform/grpc');
  const fundingClient = promiseClient(WalletServiceService, `127.0.0.1:${port}`, {
    metadata: () => bearer(funding.Authorization.slice(7)),
  });
  for (const phone of phones) {
    await fundingClient.topUp({
      idempotencyKey: randomBytes(8).toString('hex'),
      residentId: phone.residentId,
      amount: { amountMinor: 10n ** 11n, currency: 'EUR' },
      fundingReference: `bench-${phone.residentId}`,
    });
  }
  fundingClient.close();
  markPhase('setup');
  floor = await startChargeFloor({
    databaseUrl: floorDb.url,
    natsUrl: identity.nats.url,
    nc,
    accounts: phones.length,
    credentialBytes: phones[0]?.credential.length ?? 900,
  });
  await warmChargeFloor(floor);

  let counter = 0;
  let sequence = 0;
  const presentations = (count: number): string[] =>
    Array.from({ length: count }, (_, index) => {
      const phone = phones[index % phones.length];
      if (phone === undefined) throw new Error('no phones');
      return createPresentation({
        credential: phone.credential,
        devicePrivateKey: phone.app.deviceKey.privateKey,
        audience: 'shop',
        counter: ++counter,
        nowMs: Date.now(),
        ttlSeconds: 60,
      });
    });
  const deadline = (): number => Date.now() + 5_000;
  const authorizeOnce = async (presentation: string): Promise<{ holdId: string; ms: number }> => {
    const started = performance.now();
    const bytes = AuthorizeRequest.encode({
      idempotencyKey: `bench-${++sequence}-${randomBytes(4).toString('hex')}`,
      amount: { amountMinor: 100n, currency: 'EUR' },
      presentation,
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
    }).finish();
    const response = AuthorizeResponse.decode(
      await request(nc, 'wallet.v1.authorize', bytes, { deadlineMs: deadline(), headers }),
    );
    return { holdId: response.hold?.holdId ?? '', ms: performance.now() - started };
  };
  const captureOnce = async (holdId: string): Promise<number> => {
    const started = performance.now();
    await request(
      nc,
      'wallet.v1.capture',
      CaptureRequest.encode({ idempotencyKey: `cap-${holdId}`, holdId, amountMinor: 100n }).finish(),
      { deadlineMs: deadline(), headers },
    );
    return performance.now() - started;
  };

  const chargeOnce = async (presentation: string): Promise<number> => {
    const started = performance.now();
    const bytes = ChargeRequest.encode({
      idempotencyKey: `bench-${++sequence}-${randomBytes(4).toString('hex')}`,
      amount: { amountMinor: 100n, currency: 'EUR' },
      presentation,
      reference: '',
      settlesTap: false,
    }).finish();
    await request(nc, 'wallet.v1.charge', bytes, { deadlineMs: deadline(), headers });
    return performance.now() - started;
  };

  // Floors: an echo responder on the same broker, and a conditional UPDATE commit on the same PostgreSQL.
  const echo = nc.subscribe('bench.echo', {
    callback: (_error, message) => {
      message.respond(message.data);
    },
  });
  await db.query('CREATE TABLE bench_floor (id int PRIMARY KEY, balance bigint NOT NULL)');
  await db.query('INSERT INTO bench_floor SELECT g, 1000000000 FROM generate_series(1, 64) g');
  const floorNats: number[] = [];
  const floorUpdate: number[] = [];
  const floorEnd = performance.now() + phaseMs / 2;
  for (let index = 0; performance.now() < floorEnd; index++) {
    let started = performance.now();
    await nc.request('bench.echo', new Uint8Array(64), { timeout: 1_000 });
    floorNats.push(performance.now() - started);
    started = performance.now();
    await db.query({
      name: 'floor',
      text: 'UPDATE bench_floor SET balance = balance - 1 WHERE id = $1 AND balance >= 1',
      values: [(index % 64) + 1],
    });
    floorUpdate.push(performance.now() - started);
  }
  echo.unsubscribe();
  const floorP50 = median(floorNats) + median(floorUpdate);

  // Sequential: a charge floor call, an authorize+capture pair and a combined charge in turn (noise hits all
  // alike, and the floor gets as many samples as the charge).
  const floorSequentialMs: number[] = [];
  let floorSequentialFailed = 0;
  const sequentialAuthorize: number[] = [];
  const sequentialCapture: number[] = [];
  const sequentialPair: number[] = [];
  const sequentialCharge: number[] = [];
  const pool = presentations(6_000);
  const sequentialEnd = performance.now() + phaseMs;
  while (performance.now() < sequentialEnd && pool.length > 1) {
    const floorStarted = performance.now();
    await floor.call().then(
      () => floorSequentialMs.push(performance.now() - floorStarted),
      () => floorSequentialFailed++,
    );
    const { holdId, ms } = await authorizeOnce(pool.pop() ?? '');
    sequentialAuthorize.push(ms);
    sequentialCapture.push(await captureOnce(holdId));
    sequentialPair.push(ms + (sequentialCapture.at(-1) ?? Number.NaN));
    sequentialCharge.push(await chargeOnce(pool.pop() ?? ''));
  }
  markPhase('sequential');
  const floorSequential: PhaseResult = {
    latencies: floorSequentialMs,
    failed: floorSequentialFailed,
    opsPerSecond: Number.NaN,
  };

  // Many in flight: the charge floor (with its CPU per charge), then authorize+capture pairs, then combined
  // charges, each a closed loop as long as the others.
  const natsCpu = natsCpuOf(Number(new URL(identity.nats.url).port));
  const floorCpu = cpuPerOperation({
    'charge floor': processCpuOf(floor.pid),
    postgres: postgresCpuOf(new URL(floorDb.url).pathname.slice(1)),
    nats: natsCpu,
    'load generator': ownCpu,
  });
  const floorClosed = await chargeFloorPhase.closed(floor, inFlight, phaseMs);
  const cpuPerFloorCharge = floorCpu.end(bench, 'charge floor', floorClosed.latencies.length);

  const batch = presentations(20_000);
  // The CPU each part spends per operation in the two closed loops: what scripts/capacity.ts sizes a city from.
  const cpuMeters = {
    wallet: processCpuOf(wallet.child.pid ?? -1),
    postgres: postgresCpuOf(new URL(database.url).pathname.slice(1)),
    nats: natsCpu,
    'load generator': ownCpu,
  };
  const pairsCpu = cpuPerOperation(cpuMeters);
  const pairsClosed = await closedLoopPhase(inFlight, phaseMs, batch.length, async (index) => {
    const { holdId } = await authorizeOnce(batch[index] ?? '');
    await captureOnce(holdId);
  });
  const pairsPerSecond = answeredPerSecond(pairsClosed);
  markPhase('authorize_capture_in_flight');
  const cpuPerPair = pairsCpu.end(bench, 'authorize+capture', pairsClosed.latencies.length);

  const chargeBatch = presentations(20_000);
  const chargesCpu = cpuPerOperation(cpuMeters);
  const chargesClosed = await closedLoopPhase(inFlight, phaseMs, chargeBatch.length, (index) =>
    chargeOnce(chargeBatch[index] ?? ''),
  );
  const chargesPerSecond = answeredPerSecond(chargesClosed);
  markPhase('charge_in_flight');
  const cpuPerCharge = chargesCpu.end(bench, 'charge', chargesClosed.latencies.length);

  // Open loop at the target rate: the charge floor, then one authorization every 1/rate seconds, whatever the
  // answers do (the goal is stated for authorizations; their holds are left to expire).
  const floorOpen = await chargeFloorPhase.open(floor, targetRate, phaseMs);
  const openLoop = presentations(Math.ceil((targetRate * phaseMs) / 1000));
  // Refusals by reason, so the count says what refused them (load shedding, a deadline, ...).
  const openRefusals = new Map<string, number>();
  // The CPU each part spends per authorization answered in the open loop (the figure least moved by the machine's
  // other load; refusals are counted in the CPU, not in the operations).
  const authorizeCpu = cpuPerOperation(cpuMeters);
  const open = await openLoopPhase(targetRate, openLoop.length, (index) =>
    authorizeOnce(openLoop[index] ?? '').catch((error: unknown) => {
      const reason = (error as { reason?: string }).reason ?? String(error).slice(0, 80);
      openRefusals.set(reason, (openRefusals.get(reason) ?? 0) + 1);
      throw error;
    }),
  );
  const cpuPerAuthorize = authorizeCpu.end(bench, 'authorize', open.latencies.length);

  // A hot account: other residents' authorizations (16 in flight, closed loop) alone, then while one resident's
  // account takes a storm of 240 concurrent authorizations every second. What matters is how much the others'
  // latency moves, and that the storm gets answers (approved, declined, ACCOUNT_BUSY), not INTERNAL.
  markPhase('open_loop');
  const hotPhone = phones[0];
  if (hotPhone === undefined) throw new Error('no phones');
  const hotPresentations = (count: number): string[] =>
    Array.from({ length: count }, () =>
      createPresentation({
        credential: hotPhone.credential,
        devicePrivateKey: hotPhone.app.deviceKey.privateKey,
        audience: 'shop',
        counter: ++counter,
        nowMs: Date.now(),
        ttlSeconds: 60,
      }),
    );
  const othersFor = async (durationMs: number): Promise<number[]> => {
    const latencies: number[] = [];
    const others = presentations(20_000).filter((_, index) => index % phones.length !== 0);
    // After the presentations are signed: on a busy machine signing them took longer than the phase, and the
    // phase then measured nothing (every hot-account figure null).
    const end = performance.now() + durationMs;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() < end && others.length > 0) {
          latencies.push((await authorizeOnce(others.pop() ?? '').catch(() => ({ ms: Number.NaN }))).ms);
        }
      }),
    );
    return latencies.filter((ms) => !Number.isNaN(ms));
  };
  const quiet = await othersFor(phaseMs);
  markPhase('hot_account_quiet');
  const stormOutcomes = new Map<string, number>();
  const storms: Promise<void>[] = [];
  const stormTimer = setInterval(() => {
    const batchOfStorm = hotPresentations(240);
    storms.push(
      Promise.all(
        batchOfStorm.map((presentation) =>
          authorizeOnce(presentation)
            .then(
              () => 'approved',
              (error: unknown) => (error as { reason?: string }).reason ?? 'untyped',
            )
            .then((outcome) => {
              stormOutcomes.set(outcome, (stormOutcomes.get(outcome) ?? 0) + 1);
            }),
        ),
      ).then(() => undefined),
    );
  }, 1_000);
  const stormy = await othersFor(phaseMs);
  clearInterval(stormTimer);
  await Promise.all(storms);
  markPhase('hot_account_storm');
  const stormCount = (outcome: string): number => stormOutcomes.get(outcome) ?? 0;

  const round = round2;
  const p = (result: PhaseResult, percent: 50 | 99): number =>
    percent === 50 ? median(result.latencies) : percentile(result.latencies, percent);
  // Every wallet figure's floor: the charge floor's figure of the same shape in this run (the header says what the
  // floor does; bench/charge_floor.ts).
  const floorIs = { floor_is: 'the charge floor, same shape, same run' };
  const seqFloor = (percent: 50 | 99) => ({ floor: round(p(floorSequential, percent)), ...floorIs });
  const closedFloor = { floor: round(answeredPerSecond(floorClosed)), ...floorIs };
  const openFloor = (percent: 50 | 99) => ({ floor: round(p(floorOpen, percent)), ...floorIs });
  const count = { floor: null, floor_missing: 'a count of answers, not a cost' } as const;
  const quietP99 = percentile(quiet, 99);
  const hotFloor = {
    floor: null,
    floor_missing: 'the charge floor is measured sequentially, 64 in flight and open loop, not at 16 in flight',
  } as const;
  const floorP99 = percentile(floorNats, 99) + percentile(floorUpdate, 99);
  const figures: [string, number, string, FloorFields & Record<string, unknown>][] = [
    // The charge floor itself, in each shape.
    ['charge_floor_sequential_p50_ms', p(floorSequential, 50), 'ms', isFloor],
    ['charge_floor_sequential_p99_ms', p(floorSequential, 99), 'ms', isFloor],
    [`charge_floor_in_flight_${inFlight}_per_s`, answeredPerSecond(floorClosed), 'ops/s', isFloor],
    [`charge_floor_open_loop_${targetRate}_per_s_achieved_rate`, floorOpen.opsPerSecond, 'ops/s', isFloor],
    [`charge_floor_open_loop_${targetRate}_per_s_p50_ms`, p(floorOpen, 50), 'ms', isFloor],
    [`charge_floor_open_loop_${targetRate}_per_s_p99_ms`, p(floorOpen, 99), 'ms', isFloor],
    [
      'charge_floor_failed',
      floorSequential.failed + floorClosed.failed + floorOpen.failed,
      'requests',
      { floor: null, floor_missing: 'a count that must be 0, not a cost' },
    ],
    // Its bare parts, sequential: a NATS echo and a conditional UPDATE commit, no verify, no INSERT, no event.
    ['floor_nats_request_p50_ms', median(floorNats), 'ms', isFloor],
    ['floor_conditional_update_commit_p50_ms', median(floorUpdate), 'ms', isFloor],
    ['floor_bare_parts_p50_ms', floorP50, 'ms', isFloor],
    ['floor_bare_parts_p99_ms', floorP99, 'ms', isFloor],
    ['sequential_authorize_p50_ms', median(sequentialAuthorize), 'ms', seqFloor(50)],
    ['sequential_authorize_p99_ms', percentile(sequentialAuthorize, 99), 'ms', seqFloor(99)],
    ['sequential_capture_p50_ms', median(sequentialCapture), 'ms', seqFloor(50)],
    ['sequential_capture_p99_ms', percentile(sequentialCapture, 99), 'ms', seqFloor(99)],
    [
      `in_flight_${inFlight}_authorize_capture_pairs_per_s`,
      pairsPerSecond,
      'pairs/s',
      { ...closedFloor, note: 'a pair moves one charge of money in two requests and two commits' },
    ],
    [`in_flight_${inFlight}_operations_per_s`, pairsPerSecond * 2, 'ops/s', closedFloor],
    [`in_flight_${inFlight}_failed`, pairsClosed.failed + chargesClosed.failed, 'requests', count],
    [
      `open_loop_${targetRate}_per_s_achieved_rate`,
      open.opsPerSecond,
      'ops/s',
      { floor: round(floorOpen.opsPerSecond), ...floorIs },
    ],
    [`open_loop_${targetRate}_per_s_authorize_p50_ms`, p(open, 50), 'ms', openFloor(50)],
    [`open_loop_${targetRate}_per_s_authorize_p99_ms`, p(open, 99), 'ms', openFloor(99)],
    [
      `open_loop_${targetRate}_per_s_refused`,
      open.failed,
      'requests',
      { ...count, reasons: Object.fromEntries(openRefusals) },
    ],
    ['hot_account_others_quiet_p50_ms', median(quiet), 'ms', hotFloor],
    ['hot_account_others_quiet_p99_ms', quietP99, 'ms', hotFloor],
    ['hot_account_others_during_storm_p50_ms', median(stormy), 'ms', { floor: round(median(quiet)) }],
    ['hot_account_others_during_storm_p99_ms', percentile(stormy, 99), 'ms', { floor: round(quietP99) }],
    ['hot_account_storm_approved', stormCount('approved'), 'requests', count],
    ['hot_account_storm_account_busy', stormCount('ACCOUNT_BUSY'), 'requests', count],
    [
      'hot_account_storm_other_answers',
      [...stormOutcomes.values()].reduce((sum, n) => sum + n, 0) -
        stormCount('approved') -
        stormCount('ACCOUNT_BUSY') -
        stormCount('INTERNAL') -
        stormCount('untyped'),
      'requests',
      count,
    ],
    ['hot_account_storm_internal', stormCount('INTERNAL') + stormCount('untyped'), 'requests', count],
  ];
  for (const [metric, value, unit, floor] of figures) emit({ bench, metric, value: round(value), unit, ...floor });
  // The money moved per authorize+capture pair and per combined charge, each against the charge floor's sequential
  // latency: the charge does the pair's work in one request and one commit.
  for (const [metric, values] of [
    ['sequential_authorize_capture_pair', sequentialPair],
    ['sequential_charge', sequentialCharge],
  ] as const)
    for (const percent of [50, 99] as const) {
      const value = percent === 50 ? median(values) : percentile(values, percent);
      emit({
        bench,
        metric: `${metric}_p${percent}_ms`,
        value: round(value),
        unit: 'ms',
        ...seqFloor(percent),
        samples: values.length,
      });
    }
  emit({
    bench,
    metric: `in_flight_${inFlight}_charges_per_s`,
    value: round(chargesPerSecond),
    unit: 'charges/s',
    ...closedFloor,
    authorize_capture_pairs_per_s: round(pairsPerSecond),
  });
  // Peak RSS (VmHWM) of the wallet process against the floor's server over the whole run (issue 12: <= 150 MB).
  const floorRss = floor.peakRssMb();
  emit({
    bench,
    metric: 'wallet_peak_rss_mb',
    value: peakRssMb(wallet.child.pid ?? -1),
    unit: 'MB',
    ...(floorRss === null
      ? { floor: null, floor_missing: "the floor server's peak RSS could not be read (not Linux)" }
      : { floor: floorRss, floor_is: "the charge floor server's peak RSS in the same run" }),
    goal_at_most: 150,
    peak_after_phase: walletPeakAfter,
  });
  emit({ bench, metric: 'charge_floor_server_peak_rss_mb', value: floorRss, unit: 'MB', ...isFloor });
  for (const figure of [...cpuPerFloorCharge, ...cpuPerPair, ...cpuPerCharge, ...cpuPerAuthorize])
    emit({ ...figure, ...cpuAccounting });
} finally {
  await floor?.stop();
  await db.end();
  await nc.close();
  await wallet.stop();
  await floorDb.drop();
  await database.drop();
  await identity.stop();
}
