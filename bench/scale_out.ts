// Scale-out check (issue 12, step 6): two wallet and two transit instances, each its own process, against the same
// PostgreSQL databases and the same NATS, under a mixed load of taps (spread over both transits) and charges (over
// NATS, where the wallets share one queue group), next to the same load on one instance of each, in the same run:
// one instance, two, then one again (the single figure is the mean of the two, so drift shows in neither).
// Every answer is checked, and at the end the books must close: each opened tap recorded once, the shop's balance
// equal to the charges approved, transit's settlement complete, and both reconciliations clean (the wallet's
// ledger report and transit's journeys against the wallet's holds). Any break fails the run.
// On a 2-core machine shared by the load generator, PostgreSQL and NATS the combined figure will not double.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { ListGatesRequest, TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { ChargeRequest, WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation } from '@citypass/credential';
import { walletReasons } from '@citypass/contracts';
import { request } from '@citypass/platform/bus';
import { commonReasons } from '@citypass/platform/reasons';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { freePort, testPostgres, uniqueName } from '@citypass/platform/testing';
import { ResidentApp } from '@citypass/phone';
import { startHarness } from '../services/identity/test/harness.ts';
import { startServiceProcess, type ServiceProcess } from '../test/support/service_process.ts';
import { closedLoopPhase, emit, inBatches, round2, smoke, type Figure } from './lib.ts';

const bench = 'scale_out';
const residents = Number(process.env.BENCH_RESIDENTS ?? 100);
const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 4_000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const settleTimeoutMs = smoke ? 60_000 : 180_000;
const chargeMinor = 100n;
/** Starting a service on a loaded 2-core machine can take longer than a test's usual 20 s. */
const startTimeoutMs = 90_000;
const root = join(import.meta.dirname, '..');
/** What a check line carries instead of a floor. */
const isCheck = { floor: null, floor_missing: 'a correctness check (1 = holds), not a cost' } as const;

const identity = await startHarness({ LOG_LEVEL: 'error' });
const walletDb = await testPostgres();
const transitDb = await testPostgres();
const common = {
  NATS_URL: identity.nats.url,
  IDENTITY_STATUS_BUCKET: identity.config.IDENTITY_STATUS_BUCKET,
  IDENTITY_ISSUER: identity.issuer,
  IDENTITY_JWKS_URL: `${identity.issuer}/jwks`,
  IDENTITY_TOKEN_URL: `${identity.issuer}/token`,
  LOG_LEVEL: 'info',
};
const walletStream = uniqueName('WALLET');
const walletEnv = {
  ...common,
  WALLET_GRPC_HOST: '127.0.0.1',
  WALLET_DATABASE_URL: walletDb.url,
  WALLET_STREAM: walletStream,
  IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
  WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '1000000',
  WALLET_RISK_DAILY_LIMIT_MINOR: '1000000000000',
  WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000000000000',
};
const transitOnboarded = await identity.operator.onboardService({
  idempotencyKey: randomBytes(8).toString('hex'),
  name: 'transit',
  displayName: 'Metro',
  contactEmail: 'ops@metro.example',
  extraScopes: ['settle:transit', 'refund:transit', 'read:transit'],
  jwksJson: '',
  location: undefined,
});
const transitEnv = {
  ...common,
  TRANSIT_GRPC_HOST: '127.0.0.1',
  TRANSIT_DATABASE_URL: transitDb.url,
  TRANSIT_STREAM: uniqueName('TRANSIT'),
  WALLET_STREAM: walletStream,
  IDENTITY_STREAM: identity.config.IDENTITY_STREAM,
  TRANSIT_DENY_BUCKET: uniqueName('deny'),
  TRANSIT_CLIENT_SECRET: transitOnboarded.clientSecret,
  TRANSIT_SETTLE_INTERVAL_MS: '250',
};
const started: ServiceProcess[] = [];
const startWallet = async (): Promise<{ process: ServiceProcess; address: string }> => {
  const port = await freePort();
  const wallet = await startServiceProcess('wallet', { ...walletEnv, WALLET_GRPC_PORT: String(port) }, startTimeoutMs);
  started.push(wallet);
  return { process: wallet, address: `127.0.0.1:${port}` };
};
const startTransit = async (): Promise<{ process: ServiceProcess; address: string }> => {
  const port = await freePort();
  const transit = await startServiceProcess(
    'transit',
    { ...transitEnv, TRANSIT_GRPC_PORT: String(port) },
    startTimeoutMs,
  );
  started.push(transit);
  return { process: transit, address: `127.0.0.1:${port}` };
};

const nc = await connect({ servers: identity.nats.url });
const walletDbClient = new pg.Client({ connectionString: walletDb.url });
const transitDbClient = new pg.Client({ connectionString: transitDb.url });
const failures: string[] = [];
try {
  await walletDbClient.connect();
  await transitDbClient.connect();
  const walletA = await startWallet();
  const transitA = await startTransit();
  const walletAddress = walletA.address;
  const shop = await identity.onboardWithToken('shop', [], 'urn:citypass:wallet');
  const funding = await identity.onboardWithToken('funding', ['topup:funding'], 'urn:citypass:wallet');
  const fleet = await identity.onboardWithToken('gates', ['gate:gates'], 'urn:citypass:transit');
  const operatorToken = (
    (await (
      await identity.clientCredentialsToken(
        'operator',
        identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
        'urn:citypass:transit',
        'transit:admin',
      )
    ).json()) as { access_token: string }
  ).access_token;
  const operator = promiseClient(TransitServiceService, transitA.address, { metadata: () => bearer(operatorToken) });
  const { gates } = await operator.listGates(ListGatesRequest.fromPartial({ pageSize: 500 }));
  await operator.assignGates({ reason: 'bench setup', clientId: 'gates', gateIds: gates.map((gate) => gate.gateId) });
  operator.close();

  const phones = await enrollAndFund(walletAddress, funding.token);
  let counter = 0;
  const presentations = (count: number, audience: string, first = 0): string[] =>
    Array.from({ length: count }, (_, index) => {
      const phone = phones[(first + index) % phones.length];
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

  const answers = new Map<string, number>();
  const count = (answer: string): void => {
    answers.set(answer, (answers.get(answer) ?? 0) + 1);
  };
  const gateIds = ['central-g1', 'market-g1', 'airport-g2', 'harbour-g2'];
  let taps = 0;
  let charges = 0;
  /** Half the callers tap (round-robin over the transits), half charge (the wallets' queue group picks one). */
  const mixedPhase = async (transitAddresses: readonly string[]) => {
    const clients = transitAddresses.map((at) =>
      promiseClient(TransitServiceService, at, { metadata: () => bearer(fleet.token) }),
    );
    const maxOps = smoke ? 400 : 40_000;
    const chargePool = presentations(maxOps, 'shop');
    const tapOnce = async (index: number): Promise<void> => {
      // Each pass over the phones moves every rider to the next gate and flips the direction: no rider taps the
      // same gate the same way twice running (that is TAP_DUPLICATE), and the presentation is made at call time so
      // its counter follows the serial.
      const serial = taps++;
      const pass = Math.floor(serial / phones.length);
      const answer = await clients[index % clients.length]
        ?.tap({
          presentation: presentations(1, 'transit', serial % phones.length)[0] ?? '',
          gateId: gateIds[pass % gateIds.length] ?? '',
          direction: pass % 2 === 0 ? 'in' : 'out',
          tappedAt: undefined,
          tapId: '',
        })
        .catch((error: unknown) => {
          count(`tap error ${String((error as { code?: number }).code)}`);
          throw error;
        });
      count(answer?.decision === 'OPEN' ? 'tap OPEN' : `tap DENY ${answer?.reason ?? ''}`);
    };
    const chargeOnce = async (index: number): Promise<void> => {
      const bytes = ChargeRequest.encode({
        idempotencyKey: `scale-${++charges}-${randomBytes(4).toString('hex')}`,
        amount: { amountMinor: chargeMinor, currency: 'EUR' },
        presentation: chargePool[index] ?? '',
        reference: '',
        settlesTap: false,
      }).finish();
      await request(nc, 'wallet.v1.charge', bytes, {
        deadlineMs: Date.now() + 10_000,
        headers: { Authorization: `Bearer ${shop.token}` },
      }).then(
        () => {
          count('charge approved');
        },
        (error: unknown) => {
          count(`charge ${(error as { reason?: string }).reason ?? 'untyped error'}`);
          throw error;
        },
      );
    };
    // No rider has two taps in flight (two taps of one resident at one instant are TAP_DUPLICATE, rightly).
    const tapCallers = Math.max(1, Math.min(inFlight / 2, Math.floor(phones.length / 2)));
    const [tapResult, chargeResult] = await Promise.all([
      closedLoopPhase(tapCallers, phaseMs, maxOps, tapOnce),
      closedLoopPhase(inFlight / 2, phaseMs, maxOps, chargeOnce),
    ]);
    for (const client of clients) client.close();
    return { taps: tapResult.opsPerSecond, charges: chargeResult.opsPerSecond };
  };

  const singleBefore = await mixedPhase([transitA.address]);
  const walletB = await startWallet();
  const transitB = await startTransit();
  const two = await mixedPhase([transitA.address, transitB.address]);
  await transitB.process.stop();
  await walletB.process.stop();
  const singleAfter = await mixedPhase([transitA.address]);

  const settled = await settlementComplete();
  const opened = answers.get('tap OPEN') ?? 0;
  const approved = answers.get('charge approved') ?? 0;
  const recorded = Number((await transitDbClient.query<{ n: string }>('SELECT count(*) AS n FROM taps')).rows[0]?.n);
  const shopBalance = BigInt(
    (
      await walletDbClient.query<{ balance_minor: string }>(
        "SELECT balance_minor FROM accounts WHERE kind = 'merchant' AND owner = 'shop'",
      )
    ).rows[0]?.balance_minor ?? '0',
  );
  const walletReconciled = await runReport('services/wallet/src/reconcile.ts', {
    WALLET_DATABASE_URL: walletDb.url,
  });
  const transitReconciled = await runReport('services/transit/src/reconcile.ts', {
    TRANSIT_DATABASE_URL: transitDb.url,
    IDENTITY_TOKEN_URL: common.IDENTITY_TOKEN_URL,
    TRANSIT_CLIENT_SECRET: transitOnboarded.clientSecret,
    WALLET_GRPC_ADDRESS: walletAddress,
  });
  // The taps recorded include the warm-up's (none here) and every opened tap exactly once.
  const check = (name: string, ok: boolean, detail: string): void => {
    if (!ok) failures.push(`${name}: ${detail}`);
    emit({ bench, metric: `check_${name}`, value: ok ? 1 : 0, unit: 'ok', detail, ...isCheck });
  };
  check('every_opened_tap_recorded_once', recorded === opened, `${recorded} recorded, ${opened} opened`);
  check(
    'shop_balance_is_the_charges_approved',
    shopBalance === BigInt(approved) * chargeMinor,
    `${shopBalance} minor for ${approved} approved`,
  );
  check(
    'every_answer_expected',
    opened > 0 && approved > 0 && [...answers.keys()].every(expected),
    JSON.stringify(Object.fromEntries(answers)),
  );
  check('transit_settlement_complete', settled.ok, settled.detail);
  check('wallet_reconciliation_clean', walletReconciled.ok, walletReconciled.detail);
  check('transit_reconciliation_clean', transitReconciled.ok, transitReconciled.detail);

  for (const [what, unit] of [
    ['taps', 'taps/s'],
    ['charges', 'charges/s'],
  ] as const) {
    const single = (singleBefore[what] + singleAfter[what]) / 2;
    const figures: Figure[] = [
      {
        bench,
        metric: `one_instance_each_${what}_per_s`,
        value: round2(single),
        unit,
        floor: null,
        floor_missing: 'the reference the two-instance figure is compared with (its floor)',
        before: round2(singleBefore[what]),
        after: round2(singleAfter[what]),
      },
      {
        bench,
        metric: `two_instances_each_${what}_per_s`,
        value: round2(two[what]),
        unit,
        floor: round2(single),
        floor_is: 'one instance of each, same load, same run (a ratio of 2 would be linear scaling)',
      },
    ];
    for (const figure of figures) emit(figure);
  }
} finally {
  await nc.close();
  await walletDbClient.end().catch(() => undefined);
  await transitDbClient.end().catch(() => undefined);
  for (const service of started.reverse()) await service.stop();
  await transitDb.drop();
  await walletDb.drop();
  await identity.stop();
}
if (failures.length > 0) {
  process.stderr.write(`scale-out checks failed:\n${failures.join('\n')}\n`);
  process.exitCode = 1;
}

/**
 * Every rider is funded, in good standing and taps in turn: a tap opens and a charge is approved. The refusals that
 * are right under this load are the typed "busy, try again" ones (nothing written, which the shop's balance check
 * proves): ACCOUNT_BUSY (many charges at once on one resident's account) and DATABASE_BUSY (the wallet shedding
 * load when no database connection frees in time). Anything else (a DENY, INTERNAL, an untyped error) is a break.
 */
function expected(answer: string): boolean {
  return [
    'tap OPEN',
    'charge approved',
    `charge ${walletReasons.ACCOUNT_BUSY}`,
    `charge ${commonReasons.DATABASE_BUSY}`,
  ].includes(answer);
}

async function enrollAndFund(walletAddress: string, fundingToken: string) {
  const phones = await inBatches(residents, 16, async () => {
    const created = await identity.operator.createResident({
      idempotencyKey: randomBytes(8).toString('hex'),
      givenName: 'Bench',
      familyName: 'Rider',
      birthDate: '1990-01-01',
      concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
      coveragePlanRef: '',
    });
    const app = new ResidentApp(identity.issuer);
    const token = await app.enroll(created.enrollmentCode?.code ?? '', 'bench password 123');
    const credential =
      ((await (await app.requestCredential(token)).json()) as { credentials: { credential: string }[] }).credentials[0]
        ?.credential ?? '';
    return { app, credential, residentId: created.resident?.residentId ?? '' };
  });
  const client = promiseClient(WalletServiceService, walletAddress, { metadata: () => bearer(fundingToken) });
  for (const phone of phones)
    await client.topUp({
      idempotencyKey: randomBytes(8).toString('hex'),
      residentId: phone.residentId,
      amount: { amountMinor: 10n ** 11n, currency: 'EUR' },
      fundingReference: `scale-${phone.residentId}`,
    });
  client.close();
  return phones;
}

/** Waits until no rider has taps left to price and no settlement step is pending (or declined). */
async function settlementComplete(): Promise<{ ok: boolean; detail: string }> {
  const deadline = Date.now() + settleTimeoutMs;
  let detail = '';
  while (Date.now() < deadline) {
    const { rows } = await transitDbClient.query<{ due: string; open: string }>(
      `SELECT (SELECT count(*) FROM riders WHERE tap_version > settled_version) AS due,
              (SELECT count(*) FROM settlement_steps WHERE status <> 'done') AS open`,
    );
    detail = `${rows[0]?.due} riders due, ${rows[0]?.open} steps not done`;
    if (rows[0]?.due === '0' && rows[0].open === '0') return { ok: true, detail };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { ok: false, detail: `after ${settleTimeoutMs} ms: ${detail}` };
}

/** Runs an operator's reconciliation command; clean when it exits 0. */
function runReport(script: string, env: Record<string, string>): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, script)], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => {
      resolve({
        ok: code === 0,
        detail: `exit ${String(code)}: ${output.trim().split('\n').slice(-1)[0] ?? ''}`.slice(0, 300),
      });
    });
  });
}
