// Where PostgreSQL's CPU per charge goes. A private PostgreSQL server (initdb in a temporary directory, a free port,
// durable commits: fsync, synchronous_commit and full_page_writes on) with pg_stat_statements (nested statements
// too) and track_functions=all. The wallet's own schema and ledger functions; charges sent as the wallet sends
// them (store/ledger_calls.ts, one statement each, or batched as the wallet batches them), with the risk engine's
// approval, from `workers` connections, each on a resident of its own. For each variant (pg_cost_variants.ts: the
// baseline, one part taken away, the group commit and what it can take away) on a fresh database: the backends' and
// WAL writer's CPU per charge from /proc, WAL per charge; for the baseline and every group-commit variant also each
// statement's and each function's time per charge. One JSON line per figure; the difference of a variant to its
// reference is what the part it removes costs.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { minorUnits } from '@citypass/platform/money';
import { createPool, type Pool } from '@citypass/platform/pg';
import { startPrivatePostgres } from '@citypass/platform/testing';
import { verifiedPaymentFacts, type RiskEvent } from '@citypass/risk';
import type { ChargeCall, NewCharge, RiskDecisionRecord, WalletStore } from '../services/wallet/src/app/store.ts';
import { prepareSchema } from '../services/wallet/src/store/schema.ts';
import { createWalletStore } from '../services/wallet/src/store/wallet_store.ts';
import { riskEventJsonText } from '../services/wallet/src/domain/risk_event_json.ts';
import { postgresCpuOf } from './cpu.ts';
import { smoke } from './lib.ts';
import { relayCost, report } from './pg_cost_report.ts';
import { variants, type Variant } from './pg_cost_variants.ts';

const chargesPerRun = Number(process.env.BENCH_CHARGES ?? (smoke ? 40 : 3_000));
const workerCounts = (process.env.BENCH_WORKERS ?? (smoke ? '4' : '1,16')).split(',').map(Number);
const only = process.env.BENCH_VARIANTS?.split(',');

const adminUrl = await startPrivatePostgres({
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  max_connections: '100',
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
  track_functions: 'all',
  autovacuum: 'off', // its CPU is not in the meter and its timing would make runs differ
});

for (const workers of workerCounts)
  for (const variant of variants.filter((each) => only === undefined || only.includes(each.name)))
    await measure(variant, workers);

async function measure(variant: Variant, workers: number): Promise<void> {
  const database = `pg_cost_${variant.name}_${workers}`;
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  let pool = createPool(url.toString(), { max: workers + 2 });
  try {
    await prepareSchema(pool);
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    if (variant.sql !== undefined) await pool.query(variant.sql);
    const batchSizes: number[] = [];
    const store = createWalletStore(
      pool,
      variant.batch === undefined
        ? {}
        : { batch: { maxBatch: variant.batch, onBatch: (size) => batchSizes.push(size) } },
    );
    const residents = await seed(store, workers, variant.merchantPerWorker === true);
    await run(pool, store, residents, variant, Math.min(200, chargesPerRun)); // warm: plans cached, pool open
    batchSizes.length = 0;
    await pool.query("SELECT pg_stat_statements_reset(), pg_stat_reset(), pg_stat_reset_shared('wal')");
    const cpu = postgresCpuOf(database);
    const cpuBeforeMs = cpu.read();
    const started = performance.now();
    await run(pool, store, residents, variant, chargesPerRun);
    const wallMs = performance.now() - started;
    const cpuMs = cpu.read() - cpuBeforeMs;
    await pool.end(); // its backends exit, and so flush their statistics
    pool = createPool(url.toString(), { max: 2 });
    await report(pool, variant, workers, chargesPerRun, cpuMs, wallMs, batchSizes);
    if (variant.name === 'baseline') await relayCost(pool, database, workers, chargesPerRun);
  } finally {
    await pool.end();
    await admin(`DROP DATABASE ${database} WITH (FORCE)`);
  }
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface Resident {
  readonly residentId: string;
  readonly merchant: string;
}

async function seed(store: WalletStore, workers: number, merchantPerWorker: boolean): Promise<Resident[]> {
  const residents = Array.from({ length: workers }, (_, index) => ({
    residentId: randomUUID(),
    merchant: merchantPerWorker ? `shop${index}` : 'shop',
  }));
  await store.transaction(async (tx) => {
    await tx.openAccount('float', 'city', 'EUR');
    for (const merchant of new Set(residents.map((resident) => resident.merchant)))
      await tx.openAccount('merchant', merchant, 'EUR');
    for (const resident of residents)
      await tx.topUp({
        transferId: randomUUID(),
        to: { residentId: resident.residentId },
        amount: { amountMinor: minorUnits(10n ** 12n), currency: 'EUR' },
        reference: `seed-${resident.residentId}`,
        now: new Date(),
      });
  });
  return residents;
}

/**
 * `count` charges (or authorize+capture pairs), each worker charging its own resident one after another.
 */
async function run(pool: Pool, store: WalletStore, residents: Resident[], variant: Variant, count: number) {
  let remaining = count;
  await Promise.all(
    residents.map(async (resident) => {
      const client = variant.ending === undefined || variant.ending === 'autocommit' ? undefined : await pool.connect();
      try {
        while (remaining-- > 0) {
          const [call, charge] = chargeOf(resident, variant.unscored !== true);
          if (variant.pairs === true) {
            await authorizeAndCapture(store, call, charge);
            continue;
          }
          if (client === undefined) {
            await store.oneStatement.charge(call, charge);
            continue;
          }
          await client.query('BEGIN');
          await createWalletStore(client as unknown as Pool).oneStatement.charge(call, charge);
          await client.query(variant.ending === 'commit' ? 'COMMIT' : 'ROLLBACK');
        }
      } finally {
        client?.release();
      }
    }),
  );
}

/** The same money as `charge` in two writes, as the wallet's Authorize then Capture write it. */
async function authorizeAndCapture(store: WalletStore, call: ChargeCall, charge: NewCharge): Promise<void> {
  const { capturedEvent, ...authorizeCall } = call;
  await store.oneStatement.authorize(authorizeCall, { ...charge, expiresAt: new Date(Date.now() + 60_000) });
  await store.oneStatement.capture(
    { ...authorizeCall, operation: `${charge.service}:capture`, event: capturedEvent },
    {
      holdId: charge.holdId,
      service: charge.service,
      amountMinor: charge.amount.amountMinor,
      transferId: charge.transferId,
      payerAmountMinor: minorUnits(0n),
      payerTransferId: charge.payerTransferId,
      now: new Date(),
    },
  );
}

/**
 * A charge of 1.00 EUR with the sizes the wallet writes (a ~120-byte response, two ~250-byte events) and the risk
 * engine's approval (a decision row with three reasons) when `scored`, as the wallet writes it with risk scoring on.
 */
function chargeOf(resident: Resident, scored: boolean): [ChargeCall, NewCharge] {
  const event = (type: string) => ({ type, source: 'wallet', payload: randomBytes(200) });
  const call: ChargeCall = {
    operation: `${resident.merchant}:authorize`,
    key: randomBytes(12).toString('hex'),
    requestDigest: randomBytes(32), // a request's SHA-256
    response: randomBytes(120),
    event: event('wallet.v1.events.hold.authorized'),
    capturedEvent: event('wallet.v1.events.hold.captured'),
  };
  const holdId = randomUUID();
  const charge: NewCharge = {
    holdId,
    service: resident.merchant,
    residentId: resident.residentId,
    credentialId: `credential-${resident.residentId}`,
    mandateNonce: randomBytes(16).toString('base64url'),
    amount: { amountMinor: minorUnits(100n), currency: 'EUR' },
    reference: '',
    createdAt: new Date(),
    risk: { authorizationsPerMinute: 1_000_000, dailyLimitMinor: 10n ** 15n, credentialDailyLimitMinor: 10n ** 15n },
    riskDecision: scored ? approvalOf(holdId, resident) : undefined,
    payee: undefined,
    payerShare: undefined,
    transferId: randomUUID(),
    payerTransferId: randomUUID(),
  };
  return [call, charge];
}

function approvalOf(holdId: string, resident: Resident): RiskDecisionRecord {
  const event: RiskEvent = {
    atMs: Date.now(),
    channel: 'shop',
    residentId: resident.residentId,
    deviceId: `device-${resident.residentId}`,
    credentialId: `credential-${resident.residentId}`,
    deviceBoundAtMs: Date.now() - 86_400_000,
    merchantId: resident.merchant,
    category: 'grocery',
    amountMinor: 100n,
    place: { xKm: 3.2, yKm: 7.9 },
    concession: 'adult',
    ...verifiedPaymentFacts,
  };
  const reason = (ruleId: string) => ({
    ruleId,
    ruleVersion: 1,
    points: 5,
    features: { amount_z: 0.4, minutes_since_last: 12 },
    explanation: `${ruleId} added 5 points`,
  });
  return {
    decisionId: randomUUID(),
    holdId,
    service: resident.merchant,
    decision: {
      outcome: 'approve',
      stage: 'score',
      score: 15,
      reasons: [reason('amount_unusual'), reason('new_merchant'), reason('night_time')],
      ruleSetVersion: 'default-1',
      reason: null,
      explanation: 'approved: low risk',
    },
    refusalReason: '',
    currency: 'EUR',
    event,
    eventJson: riskEventJsonText(event),
  };
}
