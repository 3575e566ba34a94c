// The operator console's lists at city scale: 100,000 residents and 1,000 services seeded straight into a fresh
// identity database (a throwaway one, by SQL, not 100,000 gRPC calls), 10,000 gates into a fresh transit. Each
// list page is rendered through the console's HTTP for a signed-in operator (first page, a deep page reached by
// following page tokens, a search), sequentially, p50/p95 next to the floor measured in the same run: the bare
// SELECT of the same page on the same pool (identity's own store function). Goal: every page under 100 ms p95.
// Gates: the console has no gates page; transit's ListGates (as it is in this tree: one answer with every gate)
// is measured over gRPC next to the bare SELECT of the same rows.
// BENCH_SMOKE=1: a few hundred rows, a few samples, no goal judged (test/console_lists_bench.test.ts runs it).
// Run: ./node_modules/.bin/node bench/console_lists.ts (PostgreSQL and NATS as for the tests)
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { walletEventSubjects } from '@citypass/contracts';
import { ensureStream } from '@citypass/platform/bus';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { createPool } from '@citypass/platform/pg';
import { testPostgres, uniqueName } from '@citypass/platform/testing';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { signIn, startConsoleHarness } from '../services/console/test/harness.ts';
import { listResidentPage } from '../services/identity/src/store/resident_pages.ts';
import { listServicePage } from '../services/identity/src/store/services.ts';
import { loadTransitConfig } from '../services/transit/src/config.ts';
import { startTransit } from '../services/transit/src/server.ts';
import { emit, median, percentile } from './lib.ts';

/** Counts of what the pages read, not costs. */
const setupSize = { floor: null, floor_missing: 'the size of the data set the pages read, not a cost' } as const;

const bench = 'console_lists';
const smoke = process.env.BENCH_SMOKE === '1';
const residentCount = smoke ? 300 : 100_000;
const serviceCount = smoke ? 40 : 1_000;
const gateCount = smoke ? 200 : 10_000;
const samples = Number(process.env.BENCH_SAMPLES ?? (smoke ? 5 : 200));
const goalMsP95 = 100;
const pageSize = 25; // the console's listPageSize
const round = (value: number): number => Math.round(value * 100) / 100;

const h = await startConsoleHarness();
const pool = createPool(h.identity.databaseUrl, { max: 4 });
const transitDb = await testPostgres();
const transitPool = createPool(transitDb.url, { max: 4 });
const feedDir = mkdtempSync(join(tmpdir(), 'citypass-bench-feed-'));
let transit: Awaited<ReturnType<typeof startTransit>> | undefined;
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
  await pool.query(
    `INSERT INTO services (name, display_name, contact_email, scopes, auth_method)
     SELECT 'svc-' || lpad(n::text, 5, '0'), 'Service ' || n, 'ops@svc.example',
            ARRAY['charge:svc-' || lpad(n::text, 5, '0'), 'refund:svc-' || lpad(n::text, 5, '0')], 'client_secret_basic'
     FROM generate_series(1, $1::int) n`,
    [serviceCount],
  );
  await pool.query('ANALYZE residents');
  await pool.query('ANALYZE services');
  emit({ bench, metric: 'seeded_residents', value: residentCount, unit: 'rows', smoke, ...setupSize });
  emit({ bench, metric: 'seeded_services', value: serviceCount, unit: 'rows', smoke, ...setupSize });

  const password = await h.operator('bench', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const operator = await signIn(h, 'bench', password);
  const page = async (path: string, mustShow: readonly string[]): Promise<number> => {
    const started = performance.now();
    const response = await operator.request(`${h.url}${path}`);
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
    const missing = mustShow.filter((text) => !body.includes(text));
    if (missing.length > 0) throw new Error(`${path} does not show ${missing.length} of the floor's rows`);
    return elapsed;
  };
  const timed = async (run: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };

  // A deep page: follow identity's tokens (pages of up to 200) to about the middle of the list.
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

  const lists = [
    {
      name: 'residents_first_page',
      path: '/residents',
      floor: () => listResidentPage(pool, { limit: pageSize }).then((rows) => rows.map((row) => row.id)),
    },
    {
      name: 'residents_deep_page',
      path: `/residents?${new URLSearchParams({ search: '', page: deepResidents.token }).toString()}`,
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
      name: 'services_first_page',
      path: '/services',
      floor: () => listServicePage(pool, { limit: pageSize }).then((rows) => rows.map((row) => row.name)),
    },
    {
      name: 'services_deep_page',
      path: `/services?${new URLSearchParams({ search: '', page: deepServices.token }).toString()}`,
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
  ];
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
        value: round(value),
        unit: 'ms',
        floor: round(floorValue),
        samples,
        rows: shown.length,
        ...(p === 95 ? { goal: goalMsP95 } : {}),
      });
    }
    worstP95 = Math.max(worstP95, percentile(rendered, 95));
  }

  // Gates: a feed with gateCount more gates at Central, all assigned to one gate client.
  cpSync(join(import.meta.dirname, '..', 'services', 'transit', 'data', 'aurelia'), feedDir, { recursive: true });
  const gateIds = Array.from({ length: gateCount }, (_, index) => `bench-g${String(index).padStart(5, '0')}`);
  appendFileSync(join(feedDir, 'stops.txt'), gateIds.map((id) => `${id},Bench gate ${id},2,central\n`).join(''));
  const onboarded = await h.identity.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name: 'transit',
    displayName: 'Metro',
    contactEmail: 'ops@metro.example',
    extraScopes: ['settle:transit', 'refund:transit'],
    jwksJson: '',
  });
  // Transit follows the wallet's events: the stream is there, the wallet is not (no money moves here).
  const walletStream = uniqueName('WALLET');
  const nc = await connect({ servers: h.identity.nats.url });
  await ensureStream(await jetstreamManager(nc), { name: walletStream, subjects: [walletEventSubjects.all] });
  await nc.close();
  transit = await startTransit(
    loadTransitConfig({
      TRANSIT_GRPC_HOST: '127.0.0.1',
      TRANSIT_GRPC_PORT: '0',
      TRANSIT_DATABASE_URL: transitDb.url,
      TRANSIT_GTFS_DIR: feedDir,
      NATS_URL: h.identity.nats.url,
      TRANSIT_STREAM: uniqueName('TRANSIT'),
      WALLET_STREAM: walletStream,
      TRANSIT_DENY_BUCKET: uniqueName('deny'),
      IDENTITY_STREAM: h.identity.config.IDENTITY_STREAM,
      IDENTITY_STATUS_BUCKET: h.identity.config.IDENTITY_STATUS_BUCKET,
      IDENTITY_ISSUER: h.identity.issuer,
      IDENTITY_JWKS_URL: `${h.identity.issuer}/jwks`,
      IDENTITY_TOKEN_URL: `${h.identity.issuer}/token`,
      TRANSIT_CLIENT_SECRET: onboarded.clientSecret,
      TRANSIT_SETTLE_INTERVAL_MS: String(3_600_000),
      LOG_LEVEL: 'error',
    }),
    createLogger('transit-bench', 'error'),
  );
  const tokenResponse = await h.identity.clientCredentialsToken(
    'operator',
    h.identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
    'urn:citypass:transit',
    'transit:admin',
  );
  const transitToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
  const transitClient = promiseClient(TransitServiceService, `127.0.0.1:${transit.grpcPort}`, {
    metadata: () => bearer(transitToken),
  });
  for (let start = 0; start < gateIds.length; start += 1_000)
    await transitClient.assignGates({ clientId: 'bench-gates', gateIds: gateIds.slice(start, start + 1_000) });
  await transitPool.query('ANALYZE gate_assignments');
  // Transit keeps gates in memory (from the network), paged by ListGates: the floor is the same page read from
  // its gate_assignments table.
  const gatePageSize = 50; // what the console's gates page shows
  const gateFloor = () =>
    transitPool.query('SELECT gate_id, client_id FROM gate_assignments ORDER BY gate_id LIMIT $1', [gatePageSize]);
  let listedCount = 0;
  for (let pageToken = ''; ; ) {
    const page = await transitClient.listGates({ pageSize: 500, pageToken, search: '' });
    listedCount += page.gates.length;
    if (page.nextPageToken === '') break;
    pageToken = page.nextPageToken;
  }
  if (listedCount < gateCount) throw new Error(`ListGates pages held ${listedCount} gates`);
  const firstPage = () => transitClient.listGates({ pageSize: gatePageSize, pageToken: '', search: '' });
  const gateTimes: number[] = [];
  const gateFloorTimes: number[] = [];
  for (let warm = 0; warm < Math.min(5, samples); warm++) await firstPage();
  for (let index = 0; index < samples; index++) {
    gateTimes.push(await timed(firstPage));
    gateFloorTimes.push(await timed(gateFloor));
  }
  transitClient.close();
  for (const p of [50, 95] as const) {
    const value = p === 50 ? median(gateTimes) : percentile(gateTimes, p);
    const floorValue = p === 50 ? median(gateFloorTimes) : percentile(gateFloorTimes, p);
    emit({
      bench,
      metric: `transit_list_gates_p${p}_ms`,
      value: round(value),
      unit: 'ms',
      floor: round(floorValue),
      samples,
      rows: listedCount,
      pageSize: gatePageSize,
      note: "ListGates' first page over gRPC (transit pages gates from memory)",
      ...(p === 95 ? { goal: goalMsP95 } : {}),
    });
  }
  emit({
    bench,
    metric: 'console_pages_worst_p95_ms',
    value: round(worstP95),
    unit: 'ms',
    floor: null,
    floor_missing: 'the worst of the pages above, each printed with its own floor',
    goal: goalMsP95,
    withinGoal: smoke ? 'not judged (smoke)' : worstP95 < goalMsP95,
  });
} finally {
  await transit?.stop();
  await transitPool.end();
  await pool.end();
  await transitDb.drop();
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
