// The operator console's lists at city scale, every one rendered through the console's HTTP for a signed-in operator
// (issue 11: "with 100,000 residents, 1,000 services and 10,000 gates seeded, every list page renders in under
// 100 ms p95"). Seeded straight into fresh databases by SQL (not 100,000 gRPC calls): in identity 100,000 residents
// (one credential each, and one resident with 200 phones' worth of credentials), 1,000 services and 200,000 audit
// entries; in transit a feed with 10,000 more gates (all assigned) and 5,000 residents on the deny list; in the
// wallet one day's 100,000 holds of one service (with the captures of those). Each list page is timed first page, a
// later page (through the page token the owning service hands out, for the row in the middle of the list) and a
// search where the page has one (the deny list and a resident's credentials have none), sequentially, p50/p95 next
// to the floor measured in the same run: the bare SELECT of the same page on the same database (the owning store's
// own function where it has one). The page must show every row the floor read, or the run fails.
// Gates come from transit's feed in memory; their floor is the same page of gate_assignments (every gate is there).
// The wallet's service page also reads the service's balance beside the holds; the day's settlement report (a sum
// over the day's captures, so its cost grows with the day: docs/capacity.md) is a page of its own, timed alone.
// BENCH_SMOKE=1: a few hundred rows, a few samples, no goal judged (test/console_lists_bench.test.ts and
// test/bench_smoke.test.ts run it).
// Run: ./node_modules/.bin/node bench/console_lists.ts (PostgreSQL and NATS as for the tests)
import { cpSync, appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '@citypass/platform/pg';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { signIn, startConsoleHarness } from '../services/console/test/harness.ts';
import { pageToken as identityPageToken } from '../services/identity/src/app/paging.ts';
import { listAudit } from '../services/identity/src/store/audit.ts';
import { cursorsToken } from '../services/console/src/pages/audit_feed.ts';
import { listCredentialPage } from '../services/identity/src/store/credential_pages.ts';
import { listResidentPage } from '../services/identity/src/store/resident_pages.ts';
import { listServicePage } from '../services/identity/src/store/services.ts';
import { pageTokenOf as transitPageToken } from '../services/transit/src/app/page_token.ts';
import { postgresDenyListStore } from '../services/transit/src/store/deny_list_store.ts';
import { nextPageToken as walletPageToken } from '../services/wallet/src/app/page_token.ts';
import { holdReads } from '../services/wallet/src/store/holds.ts';
import { statementReads } from '../services/wallet/src/store/statements.ts';
import { emit, median, percentile, round2 } from './lib.ts';

/** Counts of what the pages read, not costs. */
const setupSize = { floor: null, floor_missing: 'the size of the data set the pages read, not a cost' } as const;

const bench = 'console_lists';
const smoke = process.env.BENCH_SMOKE === '1';
const residentCount = smoke ? 300 : 100_000;
const serviceCount = smoke ? 40 : 1_000;
const gateCount = smoke ? 200 : 10_000;
const auditCount = smoke ? 400 : 200_000;
const oneResidentsCredentials = smoke ? 60 : 200;
const denyCount = smoke ? 120 : 5_000;
const holdCount = smoke ? 300 : 100_000;
const samples = Number(process.env.BENCH_SAMPLES ?? (smoke ? 5 : 200));
const goalMsP95 = 100;
const pageSize = 25; // the console's listPageSize (and the wallet page's)
const gatesPageSize = 50; // the console's gates and deny list pages
const holdService = 'transit';

const emitLoad = (when: string): void => {
  const [one = 0, five = 0] = loadavg();
  emit({
    bench,
    metric: `load_average_${when}`,
    value: round2(one),
    unit: 'runnable tasks (1 min)',
    load5: round2(five),
    floor: null,
    floor_missing: "the machine's load while the pages were timed, not a cost",
  });
};

// Transit's feed: Aurelia's with gateCount more gates at Central.
const feedDir = mkdtempSync(join(tmpdir(), 'citypass-bench-feed-'));
cpSync(join(import.meta.dirname, '..', 'services', 'transit', 'data', 'aurelia'), feedDir, { recursive: true });
const gateIds = Array.from({ length: gateCount }, (_, index) => `bench-g${String(index).padStart(5, '0')}`);
// Each gate row fills the header's columns by name (a gate has no position of its own), so a column the feed gains
// does not break the bench.
const stopColumns = readFileSync(join(feedDir, 'stops.txt'), 'utf8').split(/\r?\n/, 1)[0]?.split(',') ?? [];
const gateRow = (id: string): string => {
  const values: Readonly<Record<string, string>> = {
    stop_id: id,
    stop_name: `Bench gate ${id}`,
    location_type: '2',
    parent_station: 'central',
  };
  return stopColumns.map((column) => values[column] ?? '').join(',');
};
appendFileSync(join(feedDir, 'stops.txt'), gateIds.map((id) => `${gateRow(id)}\n`).join(''));

const h = await startConsoleHarness({}, { services: true, transitOverrides: { TRANSIT_GTFS_DIR: feedDir } });
const services =
  h.services ??
  (() => {
    throw new Error('the harness started no transit or wallet');
  })();
const pool = createPool(h.identity.databaseUrl, { max: 4 });
const transitPool = services.db;
const walletPool = services.wallet.db;
try {
  // Residents: twenty surname stems (so a search for one matches 5%), numbered, with thirteen first names.
  await pool.query(
    `INSERT INTO residents (id, given_name, family_name, birth_date, concession_class)
     SELECT gen_random_uuid(),
            (ARRAY['Ada','Bruno','Chen','Dora','Emil','Fatima','Goran','Hana','Ivo','Jana','Kofi','Lea','Mira'])[1 + n % 13],
            (ARRAY['Garcia','Müller','Nakamura','Okafor','Petrov','Quinn','Rossi','Silva','Tanaka','Usman','Varga',
                   'Weber','Xu','Yilmaz','Zhou','Andersen','Berg','Costa','Dubois','Eriksen'])[1 + n % 20] || '-' || (n % 997),
            date '1940-01-01' + (n % 25000), 'adult'
     FROM generate_series(1, $1::int) n`,
    [residentCount],
  );
  // One active credential each; one resident (the one who lost many phones) with a long history of superseded ones.
  await pool.query(
    `INSERT INTO credentials (id, resident_id, device_thumbprint, kid, issued_at, expires_at)
     SELECT gen_random_uuid(), id, encode(sha256(id::text::bytea), 'hex'), 'bench-kid', now() - interval '30 days',
            now() + interval '335 days'
     FROM residents`,
  );
  const {
    rows: [manyPhones],
  } = await pool.query<{ id: string }>('SELECT id FROM residents ORDER BY id LIMIT 1');
  const manyPhonesId = manyPhones?.id ?? '';
  await pool.query(
    `INSERT INTO credentials (id, resident_id, device_thumbprint, kid, issued_at, expires_at, revoked_at, revoked_by)
     SELECT gen_random_uuid(), $1::uuid, 'old-phone-' || n, 'bench-kid', now() - interval '400 days' + n * interval '1 hour',
            now() + interval '300 days', now() - interval '31 days' + n * interval '1 second', 'replaced'
     FROM generate_series(1, $2::int) n`,
    [manyPhonesId, oneResidentsCredentials],
  );
  await pool.query(
    `INSERT INTO services (name, display_name, contact_email, scopes, auth_method)
     SELECT 'svc-' || lpad(n::text, 5, '0'), 'Service ' || n, 'ops@svc.example',
            ARRAY['charge:svc-' || lpad(n::text, 5, '0'), 'refund:svc-' || lpad(n::text, 5, '0')], 'client_secret_basic'
     FROM generate_series(1, $1::int) n`,
    [serviceCount],
  );
  // The audit log: a second apart, oldest first; a hundred entries for each subject, one entry in fifty a revocation.
  await pool.query(
    `INSERT INTO audit_log (occurred_at, actor, action, subject_id, details)
     SELECT now() - ($1::int - n) * interval '1 second', 'operator:bench',
            CASE WHEN n % 50 = 0 THEN 'credential.revoked' WHEN n % 2 = 0 THEN 'credential.issued' ELSE 'resident.created' END,
            'subject-' || (n % greatest(1, $1::int / 100)), jsonb_build_object('n', n)
     FROM generate_series(1, $1::int) n`,
    [auditCount],
  );
  for (const table of ['residents', 'credentials', 'services', 'audit_log']) await pool.query(`ANALYZE ${table}`);

  // Transit: every bench gate assigned (the harness assigned the first 500 gates), and the deny list.
  for (let start = 0; start < gateIds.length; start += 1_000)
    await services.operator.assignGates({
      reason: 'bench setup',
      clientId: 'gates',
      gateIds: gateIds.slice(start, start + 1_000),
    });
  await transitPool.query(
    `INSERT INTO deny_list (resident_id, debt_minor, currency, reason, since)
     SELECT gen_random_uuid(), 120 + n % 400, 'EUR', 'INSUFFICIENT_FUNDS', now() - n * interval '1 minute'
     FROM generate_series(1, $1::int) n`,
    [denyCount],
  );
  for (const table of ['gate_assignments', 'deny_list']) await transitPool.query(`ANALYZE ${table}`);

  // The wallet: one busy day (yesterday, UTC) of one service's holds from a thousand residents' accounts, spread
  // evenly over the day; eight in ten captured (with the capture in the ledger), one voided, one expired. The
  // settlement report of that day is what an operator settling yesterday asks for.
  await walletPool.query(
    `INSERT INTO accounts (id, kind, owner, currency) VALUES (gen_random_uuid(), 'merchant', $1, 'EUR')
     ON CONFLICT (kind, owner, currency) DO NOTHING`,
    [holdService],
  );
  await walletPool.query(
    `INSERT INTO accounts (id, kind, owner, currency)
     SELECT gen_random_uuid(), 'resident', gen_random_uuid()::text, 'EUR' FROM generate_series(1, 1000)`,
  );
  await walletPool.query(
    `WITH merchant AS (SELECT id FROM accounts WHERE kind = 'merchant' AND owner = $1 AND currency = 'EUR'),
          residents AS (SELECT id, owner, row_number() OVER (ORDER BY id) - 1 AS k FROM accounts
                        WHERE kind = 'resident' AND owner ~ '^[0-9a-f-]{36}$')
     INSERT INTO holds (id, service, resident_id, resident_account_id, merchant_account_id, credential_id,
                        mandate_nonce, currency, amount_minor, captured_minor, status, reference, created_at,
                        expires_at, closed_at)
     SELECT gen_random_uuid(), $1, r.owner::uuid, r.id, m.id, 'bench-credential-' || (n % 1000), 'bench-' || n, 'EUR',
            200 + n % 300, CASE WHEN n % 10 < 8 THEN 200 + n % 300 ELSE 0 END,
            CASE WHEN n % 10 < 8 THEN 'captured' WHEN n % 10 = 8 THEN 'voided' ELSE 'expired' END,
            'fare ' || n, day.start + n * day.step, day.start + n * day.step + interval '10 minutes',
            day.start + n * day.step + interval '5 minutes'
     FROM generate_series(1, $2::int) n
     JOIN residents r ON r.k = n % 1000 CROSS JOIN merchant m
     CROSS JOIN (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 day' AS start,
                        interval '1 day' / ($2::int + 1) AS step) day`,
    [holdService, holdCount],
  );
  await walletPool.query(
    `INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor, hold_id,
                            debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
     SELECT gen_random_uuid(), 'capture', resident_account_id, merchant_account_id, currency, captured_minor, id, 0, 0,
            reference, closed_at
     FROM holds WHERE service = $1 AND status = 'captured'`,
    [holdService],
  );
  for (const table of ['accounts', 'holds', 'transfers']) await walletPool.query(`ANALYZE ${table}`);

  for (const [metric, value] of [
    ['seeded_residents', residentCount],
    ['seeded_services', serviceCount],
    ['seeded_gates', gateCount],
    ['seeded_audit_entries', auditCount],
    ['seeded_credentials_of_one_resident', oneResidentsCredentials + 1],
    ['seeded_deny_list', denyCount],
    ['seeded_holds_of_one_service', holdCount],
  ] as const)
    emit({ bench, metric, value, unit: 'rows', smoke, ...setupSize });

  const password = await h.operator('bench', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const operator = await signIn(h, 'bench', password);
  const page = async (path: string, mustShow: readonly string[]): Promise<number> => {
    const started = performance.now();
    const response = await operator.request(`${h.url}${path}`);
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200)
      throw new Error(`${path}: HTTP ${response.status} ${/role="alert">([^<]*<code>[^<]*)/.exec(body)?.[1] ?? ''}`);
    const missing = mustShow.filter((text) => !body.includes(text));
    if (missing.length > 0) throw new Error(`${path} does not show ${missing.length} of the floor's rows`);
    return elapsed;
  };
  const timed = async (run: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };

  // A deep page of identity's residents and services: follow its tokens (pages of up to 200) to the middle.
  const deepResidents = await deepPosition(
    (token) =>
      h.identity.operator
        .listResidents({ search: '', pageSize: stepOf(residentCount), pageToken: token })
        .then((answer) => ({ token: answer.nextPageToken, last: answer.residents.at(-1)?.residentId ?? '' })),
    residentCount / 2,
    stepOf(residentCount),
  );
  const deepServices = await deepPosition(
    (token) =>
      h.identity.operator
        .listServices({ search: '', pageSize: stepOf(serviceCount), pageToken: token })
        .then((answer) => ({ token: answer.nextPageToken, last: answer.services.at(-1)?.name ?? '' })),
    serviceCount / 2,
    stepOf(serviceCount),
  );
  // The other lists' later pages: the token their service hands out after the row in the middle of the list.
  const middle = async <Row>(db: typeof pool, sql: string, count: number): Promise<Row> => {
    const { rows } = await db.query(`${sql} OFFSET $1 LIMIT 1`, [Math.floor(count / 2)]);
    if (rows[0] === undefined) throw new Error(`no middle row: ${sql}`);
    return rows[0] as Row;
  };
  const middleCredential = await middle<{ id: string }>(
    pool,
    `SELECT id FROM credentials WHERE resident_id = '${manyPhonesId}' ORDER BY status_index DESC`,
    oneResidentsCredentials,
  );
  const middleAudit = await middle<{ id: string }>(pool, 'SELECT id::text FROM audit_log ORDER BY id DESC', auditCount);
  const allGates = (await transitPool.query<{ n: string }>('SELECT count(*) AS n FROM gate_assignments')).rows[0]?.n;
  const middleGate = await middle<{ gate_id: string }>(
    transitPool,
    'SELECT gate_id FROM gate_assignments ORDER BY gate_id',
    Number(allGates),
  );
  const middleDenied = await middle<{ resident_id: string; since_micros: string }>(
    transitPool,
    `SELECT resident_id, ((extract(epoch FROM since) * 1000000)::numeric(20, 0))::text AS since_micros
     FROM deny_list ORDER BY since, resident_id`,
    denyCount,
  );
  const middleHold = await middle<{ id: string; created_at: Date }>(
    walletPool,
    `SELECT id, created_at FROM holds WHERE service = '${holdService}' ORDER BY created_at DESC, id DESC`,
    holdCount,
  );
  const auditSubject = 'subject-3'; // a target prefix: subject-3, subject-30... (a few in the smoke run)
  const gateSearch = smoke ? 'bench-g001' : 'bench-g05';
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const walletPath = (extra: Record<string, string>): string =>
    `/wallet?${new URLSearchParams({ service: holdService, currency: 'EUR', date: yesterday, ...extra }).toString()}`;
  const query = (parameters: Record<string, string>): string => new URLSearchParams(parameters).toString();
  const gateFloor = (after: string, search: string) => () =>
    transitPool
      .query<{ gate_id: string }>(
        `SELECT gate_id, client_id FROM gate_assignments WHERE gate_id > $1 AND starts_with(gate_id, $2)
         ORDER BY gate_id LIMIT $3`,
        [after, search, gatesPageSize + 1],
      )
      .then((result) => result.rows.slice(0, gatesPageSize).map((row) => row.gate_id));
  const denyList = postgresDenyListStore(transitPool);
  const holds = holdReads(walletPool);
  const holdCursor = { at: middleHold.created_at.toISOString(), id: middleHold.id };

  const lists: { name: string; path: string; floor: () => Promise<string[]> }[] = [
    {
      name: 'residents_first_page',
      path: '/residents',
      floor: () => listResidentPage(pool, { limit: pageSize }).then((rows) => rows.map((row) => row.id)),
    },
    {
      name: 'residents_deep_page',
      path: `/residents?${query({ search: '', page: deepResidents.token })}`,
      floor: () =>
        listResidentPage(pool, { limit: pageSize, afterId: deepResidents.last }).then((rows) =>
          rows.map((row) => row.id),
        ),
    },
    {
      name: 'residents_search',
      path: '/residents?search=nakam',
      floor: () =>
        listResidentPage(pool, { limit: pageSize, namePrefix: 'nakam' }).then((rows) => rows.map((row) => row.id)),
    },
    {
      name: 'resident_credentials_first_page',
      path: `/residents/${manyPhonesId}`,
      floor: () =>
        listCredentialPage(pool, { residentId: manyPhonesId, afterId: undefined, limit: pageSize }).then((rows) =>
          rows.map((row) => row.id),
        ),
    },
    {
      name: 'resident_credentials_deep_page',
      path: `/residents/${manyPhonesId}?${query({ page: identityPageToken('credentials', manyPhonesId, middleCredential.id) })}`,
      floor: () =>
        listCredentialPage(pool, { residentId: manyPhonesId, afterId: middleCredential.id, limit: pageSize }).then(
          (rows) => rows.map((row) => row.id),
        ),
    },
    {
      name: 'services_first_page',
      path: '/services',
      floor: () => listServicePage(pool, { limit: pageSize }).then((rows) => rows.map((row) => row.name)),
    },
    {
      name: 'services_deep_page',
      path: `/services?${query({ search: '', page: deepServices.token })}`,
      floor: () =>
        listServicePage(pool, { limit: pageSize, afterName: deepServices.last }).then((rows) =>
          rows.map((row) => row.name),
        ),
    },
    {
      name: 'services_search',
      path: '/services?search=svc-0002',
      floor: () =>
        listServicePage(pool, { limit: pageSize, namePrefix: 'svc-0002' }).then((rows) => rows.map((row) => row.name)),
    },
    { name: 'gates_first_page', path: '/transit/gates', floor: gateFloor('', '') },
    {
      name: 'gates_deep_page',
      path: `/transit/gates?${query({ search: '', page: transitPageToken('gates', middleGate.gate_id) })}`,
      floor: gateFloor(middleGate.gate_id, ''),
    },
    { name: 'gates_search', path: `/transit/gates?${query({ search: gateSearch })}`, floor: gateFloor('', gateSearch) },
    {
      name: 'deny_list_first_page',
      path: '/transit/deny-list',
      floor: () =>
        denyList.page(undefined, gatesPageSize + 1).then((rows) => rows.slice(0, -1).map((row) => row.residentId)),
    },
    {
      name: 'deny_list_deep_page',
      path: `/transit/deny-list?${query({ page: transitPageToken('deny', `${middleDenied.since_micros}:${middleDenied.resident_id}`) })}`,
      floor: () =>
        denyList
          .page(
            { sinceMicros: BigInt(middleDenied.since_micros), residentId: middleDenied.resident_id },
            gatesPageSize + 1,
          )
          .then((rows) => rows.slice(0, -1).map((row) => row.residentId)),
    },
    {
      name: 'wallet_holds_first_page',
      path: walletPath({}),
      floor: () => holds.list(holdService, '', undefined, pageSize).then((rows) => rows.map((row) => row.holdId)),
    },
    {
      name: 'wallet_holds_deep_page',
      path: walletPath({ page: walletPageToken(pageSize, pageSize, middleHold.created_at, middleHold.id) }),
      floor: () => holds.list(holdService, '', holdCursor, pageSize).then((rows) => rows.map((row) => row.holdId)),
    },
    {
      name: 'wallet_holds_search',
      path: walletPath({ status: 'voided' }),
      floor: () => holds.list(holdService, 'voided', undefined, pageSize).then((rows) => rows.map((row) => row.holdId)),
    },
    // The audit page searches one log or all; identity's is the one seeded at scale (transit's and the wallet's hold
    // only what the set-up did), so each audit figure reads identity's log next to its own SELECT.
    {
      name: 'audit_first_page',
      path: `/audit?${query({ service: 'identity' })}`,
      floor: () => listAudit(pool, { limit: pageSize }).then((rows) => rows.map((row) => row.occurredAt.toISOString())),
    },
    {
      name: 'audit_deep_page',
      path: `/audit?${query({ service: 'identity', page: cursorsToken({ identity: middleAudit.id }) })}`,
      floor: () =>
        listAudit(pool, { limit: pageSize, beforeId: BigInt(middleAudit.id) }).then((rows) =>
          rows.map((row) => row.occurredAt.toISOString()),
        ),
    },
    {
      name: 'audit_search_target',
      path: `/audit?${query({ service: 'identity', target: auditSubject })}`,
      floor: () =>
        listAudit(pool, { limit: pageSize, subjectPrefix: auditSubject }).then((rows) =>
          rows.map((row) => row.occurredAt.toISOString()),
        ),
    },
    {
      name: 'audit_search_action',
      path: `/audit?${query({ service: 'identity', action: 'credential.revoked' })}`,
      floor: () =>
        listAudit(pool, { limit: pageSize, actionPrefix: 'credential.revoked' }).then((rows) =>
          rows.map((row) => row.occurredAt.toISOString()),
        ),
    },
  ];
  emitLoad('before');
  let worstP95 = 0;
  for (const list of lists) {
    const shown = await list.floor();
    if (shown.length === 0) throw new Error(`${list.name}: the floor's page is empty`);
    for (let warm = 0; warm < Math.min(20, samples); warm++) await page(list.path, shown);
    const rendered: number[] = [];
    const floor: number[] = [];
    for (let index = 0; index < samples; index++) {
      rendered.push(await page(list.path, shown));
      floor.push(await timed(list.floor));
    }
    for (const p of [50, 95] as const) {
      const value = p === 50 ? median(rendered) : percentile(rendered, p);
      const floorValue = p === 50 ? median(floor) : percentile(floor, p);
      emit({
        bench,
        metric: `${list.name}_p${p}_ms`,
        value: round2(value),
        unit: 'ms',
        floor: round2(floorValue),
        samples,
        rows: shown.length,
        ...(p === 95 ? { goal: goalMsP95 } : {}),
      });
    }
    worstP95 = Math.max(worstP95, percentile(rendered, 95));
  }
  // The day's settlement report (its own page, no longer read beside the holds), timed alone: the wallet store's
  // own query.
  const statements = statementReads(walletPool);
  const report = async (): Promise<void> => {
    await statements.settlementTotals(holdService, yesterday, 'EUR');
  };
  for (let warm = 0; warm < Math.min(20, samples); warm++) await report();
  const reportTimes: number[] = [];
  for (let index = 0; index < samples; index++) reportTimes.push(await timed(report));
  for (const p of [50, 95] as const)
    emit({
      bench,
      metric: `wallet_settlement_report_sql_p${p}`,
      value: round2(p === 50 ? median(reportTimes) : percentile(reportTimes, p)),
      unit: 'ms',
      floor: null,
      floor_missing:
        "the settlement report page's sum over the day, timed alone (not a list: its cost grows with the day)",
      samples,
      capturesThatDay: Math.round(holdCount * 0.8),
    });
  emitLoad('after');
  emit({
    bench,
    metric: 'console_pages_worst_p95_ms',
    value: round2(worstP95),
    unit: 'ms',
    floor: null,
    floor_missing: 'the worst of the pages above, each printed with its own floor',
    goal: goalMsP95,
    withinGoal: smoke ? 'not judged (smoke)' : worstP95 < goalMsP95,
  });
} finally {
  await pool.end();
  await h.stop();
  rmSync(feedDir, { recursive: true, force: true });
}

/** Pages of at most 200 (identity's maximum), four or more of them to the end of the list. */
function stepOf(count: number): number {
  return Math.max(1, Math.min(200, Math.floor(count / 4)));
}

/** Follows page tokens until `rows` rows are behind; the token of the page there and the last key before it. */
async function deepPosition(
  next: (token: string) => Promise<{ token: string; last: string }>,
  rows: number,
  step: number,
): Promise<{ token: string; last: string }> {
  let position = await next('');
  for (let seen = step; seen < rows && position.token !== ''; seen += step) {
    const following = await next(position.token);
    if (following.token === '') break;
    position = following;
  }
  return position;
}
