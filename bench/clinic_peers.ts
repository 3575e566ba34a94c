// The clinic peers check at finalize at city scale: 200 clinics x 100,000 finalized lines each over 60 days (codes
// drawn log-uniformly from 2,000, so a few codes are very common), counted per code digest, day and clinic in
// clinic_code_days as finalize counts them. Measured in one transaction each, rolled back so the data stays put:
// health billing's flagAbovePeers for a bill of three codes (the most common, a middling and a rare one: the read
// of their 30 days at every clinic, the comparison, the count of the bill's lines), and the read alone for the most
// common code, p50/p99 next to the floor of the same run: a transaction reading one absent key of the same index.
// The read's plan is printed (EXPLAIN ANALYZE, BUFFERS) to stderr and summarised in its figure. Then the same with
// the primary key rebuilt without the count in its leaves (what migration 7 chose against).
// BENCH_SMOKE=1: 10 clinics x 1,000 lines, a few samples.
// Run: ./node_modules/.bin/node bench/clinic_peers.ts (CITYPASS_TEST_POSTGRES_URL as for the tests)
import { randomUUID } from 'node:crypto';
import { generateKeyRingText, parseKeyRing } from '@citypass/platform/key_ring';
import { createPool } from '@citypass/platform/pg';
import { testPostgres } from '@citypass/platform/testing';
import { defaultPeerLimits } from '@citypass/risk';
import { codeDigestPurpose, flagAbovePeers } from '../services/health-billing/src/app/clinic_peers.ts';
import { responseCodecOf, sealerOf } from '../services/health-billing/src/app/sealer.ts';
import { serviceDateOf } from '../services/health-billing/src/app/service_date.ts';
import type { BillRecord, HealthBillingStore } from '../services/health-billing/src/app/store.ts';
import { linesByClinicSql } from '../services/health-billing/src/store/clinic_code_days.ts';
import { postgresHealthBillingStore } from '../services/health-billing/src/store/health_billing_store.ts';
import { prepareSchema } from '../services/health-billing/src/store/schema.ts';
import { emit, median, percentile, round2, smoke } from './lib.ts';

const bench = 'clinic_peers';
const clinics = smoke ? 10 : 200;
const linesPerClinic = smoke ? 1_000 : 100_000;
const days = 60;
const codes = 2_000;
const samples = Number(process.env.BENCH_SAMPLES ?? (smoke ? 5 : 500));
const setupSize = { floor: null, floor_missing: 'the size of the data set the check reads, not a cost' } as const;
const dayMs = 86_400_000;

const database = await testPostgres();
const pool = createPool(database.url, { max: 4 });
try {
  await prepareSchema(pool);
  const ring = parseKeyRing(generateKeyRingText());
  const sealer = sealerOf(ring);
  const store = postgresHealthBillingStore(pool, responseCodecOf(ring));
  const codeOf = (rank: number): string => `BENCH-${rank}`;
  const digests = Array.from({ length: codes }, (_, index) => ring.digest(codeOf(index + 1), codeDigestPurpose));
  const today = Date.now();
  const seedStarted = performance.now();
  // One day at a time (each day's lines grouped in memory): line n of the day goes to clinic n % clinics, its code
  // rank is floor(e^(U ln 2001)), 1-2000, log-uniform (rank 1 takes ~9 % of lines, rank 1,000 ~0.007 %). A day's
  // rows are written in random order, as finalizes arrive through the day (a code's rows of one day are not on a
  // few neighbouring pages); then vacuumed, as autovacuum leaves the days that no longer change.
  for (let day = days - 1; day >= 0; day--)
    await pool.query(
      `INSERT INTO clinic_code_days (code_digest, day, clinic, lines)
       SELECT ($1::bytea[])[code], $2::date, 'clinic-' || clinic, count(*)
       FROM (SELECT n % $3 AS clinic, least($5, floor(exp(random() * ln($5 + 1)))::int) AS code
             FROM generate_series(1, $4::int) n) lines
       GROUP BY code, clinic ORDER BY random()`,
      [digests, serviceDateOf(today - day * dayMs), clinics, Math.round((clinics * linesPerClinic) / days), codes],
    );
  await pool.query('VACUUM ANALYZE clinic_code_days');
  const size = await pool.query<{ rows: string; bytes: string }>(
    "SELECT count(*) AS rows, pg_total_relation_size('clinic_code_days') AS bytes FROM clinic_code_days",
  );
  emit({ bench, metric: 'seeded_lines', value: clinics * linesPerClinic, unit: 'lines', clinics, days, ...setupSize });
  emit({ bench, metric: 'seeded_code_day_rows', value: Number(size.rows[0]?.rows), unit: 'rows', ...setupSize });
  emit({
    bench,
    metric: 'seeded_table_mb',
    value: round2(Number(size.rows[0]?.bytes) / 1_048_576),
    unit: 'MB',
    seedSeconds: round2((performance.now() - seedStarted) / 1000),
    ...setupSize,
  });

  const sinceDay = serviceDateOf(today - defaultPeerLimits.windowDays * dayMs);
  const bill = billOf('clinic-7', [codeOf(1), codeOf(40), codeOf(1_500)]);
  const rolledBack = new Error('rolled back');
  const inTransaction = async (work: (tx: HealthBillingStore) => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await store
      .transaction(async (tx) => {
        await work(tx);
        throw rolledBack;
      })
      .catch((error: unknown) => {
        if (error !== rolledBack) throw error;
      });
    return performance.now() - started;
  };
  const absent = [[Buffer.alloc(16)]];
  const phases = {
    check: (tx: HealthBillingStore) =>
      flagAbovePeers(tx, sealer, bill, [codeOf(1), codeOf(40), codeOf(1_500)], today, defaultPeerLimits),
    read: (tx: HealthBillingStore) => tx.clinicCodeDays.linesByClinic([[digests[0] as Buffer]], sinceDay),
    floor: (tx: HealthBillingStore) => tx.clinicCodeDays.linesByClinic(absent, sinceDay),
  };
  const rowsRead = await pool.query<{ rows: number }>(
    'SELECT count(*)::int AS rows FROM clinic_code_days WHERE code_digest = $1 AND day > $2::date',
    [digests[0], sinceDay],
  );

  /** The three phases interleaved (so they see the same load), then the read's plan. */
  const measure = async (index: string): Promise<void> => {
    const times = { check: [] as number[], read: [] as number[], floor: [] as number[] };
    for (let warm = 0; warm < Math.min(50, samples); warm++)
      for (const phase of Object.values(phases)) await inTransaction(phase);
    for (let sample = 0; sample < samples; sample++)
      for (const name of ['check', 'read', 'floor'] as const) times[name].push(await inTransaction(phases[name]));
    const plan = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${linesByClinicSql}`, [
      [digests[0]],
      [0],
      sinceDay,
    ]);
    const planText = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    process.stderr.write(`-- ${index}\n${planText}\n`);
    const nodes = [
      ...planText.matchAll(
        /(Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan|Seq Scan|Nested Loop|HashAggregate|GroupAggregate|Sort)/g,
      ),
    ].map((match) => match[1]);
    const buffers = /Buffers: shared hit=(\d+)(?: read=(\d+))?/.exec(planText);
    for (const p of [50, 99] as const) {
      const pick = (values: number[]): number => round2(p === 50 ? median(values) : percentile(values, p));
      emit({
        bench,
        metric: `finalize_peer_check_3_codes_p${p}_ms`,
        value: pick(times.check),
        unit: 'ms',
        floor: pick(times.floor),
        index,
        samples,
      });
      emit({
        bench,
        metric: `peer_read_most_common_code_p${p}_ms`,
        value: pick(times.read),
        unit: 'ms',
        floor: pick(times.floor),
        index,
        samples,
        ...(p === 50
          ? {
              rowsRead: rowsRead.rows[0]?.rows,
              plan: [...new Set(nodes)].join(' > '),
              buffers: Number(buffers?.[1] ?? 0) + Number(buffers?.[2] ?? 0),
            }
          : {}),
      });
    }
  };
  await measure('primary key INCLUDE (lines), as migrated');
  // The same rows without the count in the key's leaves: the read visits the table for every row, on as many pages
  // as there are rows (a day's rows are written through the day).
  await pool.query('ALTER TABLE clinic_code_days DROP CONSTRAINT clinic_code_days_pkey');
  await pool.query('ALTER TABLE clinic_code_days ADD PRIMARY KEY (code_digest, day, clinic)');
  await pool.query('VACUUM ANALYZE clinic_code_days');
  await measure('primary key without the count');
} finally {
  await pool.end();
  await database.drop();
}

function billOf(clinic: string, lineCodes: readonly string[]): BillRecord {
  return {
    billId: randomUUID(),
    clinic,
    patientId: 'bench-patient',
    credentialId: 'bench-credential',
    concession: '',
    planId: 'bench-plan',
    planVersion: 1,
    planYear: 2026,
    insurer: 'bench-insurer',
    currency: 'EUR',
    status: 'open',
    billedMinor: 0n,
    writtenOffMinor: 0n,
    patientMinor: 0n,
    planMinor: 0n,
    createdAtMs: Date.now(),
    payByMs: undefined,
    walletKey: undefined,
    payPresentationSealed: undefined,
    holdId: undefined,
    refundedPatientMinor: 0n,
    refundedPlanMinor: 0n,
    replacesBillId: undefined,
    reviewFlags: [],
    // Ids no row has: recording the digests updates no line, as for a bill whose lines are its own.
    lines: lineCodes.map((_, index) => ({
      lineId: randomUUID(),
      seq: index + 1,
      codeSealed: Buffer.alloc(0),
      category: 'lab',
      serviceDate: serviceDateOf(Date.now()),
      quantity: 1,
      unitPriceMinor: 100n,
      billedMinor: 100n,
      noteSealed: undefined,
      outcome: undefined,
      cancelled: false,
    })),
  };
}
