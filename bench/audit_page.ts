// The console's audit page at city scale: 100,000 entries in identity's audit log and 100,000 in transit's, seeded
// by SQL over 30 days (20 operators, a few actions). Each page is rendered through the console's HTTP for a signed-in
// operator (the first page of both logs merged, a deep page reached by following the merged page tokens, a search by
// who, by action and target prefix, by one day), sequentially, p50/p95 next to the floor measured in the same run:
// the bare SELECTs of the same page in both databases (each service's own page query, 25 rows each, one after the
// other). Goal: every page under 100 ms p95.
// BENCH_SMOKE=1: a few hundred rows, a few samples, no goal judged.
// Run: ./node_modules/.bin/node bench/audit_page.ts (PostgreSQL and NATS as for the tests)
import assert from 'node:assert/strict';
import { createPool, type Pool } from '@citypass/platform/pg';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { signIn, startConsoleHarness } from '../services/console/test/harness.ts';
import { auditPageQuery as identityPageQuery, type AuditPageFilter } from '../services/identity/src/store/audit.ts';
import type { OperatorAuditFilter } from '../services/transit/src/app/transit_store.ts';
import { auditPageQuery as transitPageQuery } from '../services/transit/src/store/operator_audit_store.ts';
import { emit, median, percentile } from './lib.ts';

const setupSize = { floor: null, floor_missing: 'the size of the data set the pages read, not a cost' } as const;
const bench = 'audit_page';
const smoke = process.env.BENCH_SMOKE === '1';
const rowsPerLog = smoke ? 300 : 100_000;
const samples = Number(process.env.BENCH_SAMPLES ?? (smoke ? 5 : 200));
const goalMsP95 = 100;
const pageSize = 25; // the console's listPageSize
const round = (value: number): number => Math.round(value * 100) / 100;
const spanMs = 30 * 86_400_000;
const lastMs = Date.parse('2030-06-30T23:00:00Z');

const h = await startConsoleHarness({}, { services: true });
const transit = h.services ?? assert.fail('transit was asked for');
const identityPool = createPool(h.identity.databaseUrl, { max: 4 });
const transitPool: Pool = transit.db;
try {
  // Entry n at lastMs - n * (span / rows), so both logs interleave over the same 30 days.
  await identityPool.query(
    `INSERT INTO audit_log (occurred_at, actor, action, subject_id, details)
     SELECT to_timestamp(($2::float8 - n * $3::float8) / 1000), 'operator:op-' || lpad((n % 20)::text, 2, '0'),
            (ARRAY['credential.revoked','resident.created','service.suspended','service.resumed'])[1 + n % 4],
            'svc-' || lpad((n % 1000)::text, 4, '0'), jsonb_build_object('reason', 'bench ' || n)
     FROM generate_series(1, $1::int) n ORDER BY n DESC`,
    [rowsPerLog, lastMs, spanMs / rowsPerLog],
  );
  await transitPool.query(
    `INSERT INTO operator_audit (occurred_at, actor, action, target, merchant, before, after)
     SELECT to_timestamp(($2::float8 - n * $3::float8 - 1000) / 1000), 'operator:op-' || lpad((n % 20)::text, 2, '0'),
            (ARRAY['gates.assigned','fare_rules.added'])[1 + n % 2],
            CASE WHEN n % 2 = 0 THEN 'svc-' || lpad((n % 1000)::text, 4, '0') ELSE 'fare_rules:' || n END,
            CASE WHEN n % 2 = 0 THEN 'svc-' || lpad((n % 1000)::text, 4, '0') ELSE '' END,
            jsonb_build_object('clients', jsonb_build_object('g-' || n, 'gates')),
            jsonb_build_object('clients', jsonb_build_object('g-' || n, 'svc'))
     FROM generate_series(1, $1::int) n ORDER BY n DESC`,
    [rowsPerLog, lastMs, spanMs / rowsPerLog],
  );
  await identityPool.query('ANALYZE audit_log');
  await transitPool.query('ANALYZE operator_audit');
  emit({ bench, metric: 'seeded_identity_audit', value: rowsPerLog, unit: 'rows', smoke, ...setupSize });
  emit({ bench, metric: 'seeded_transit_audit', value: rowsPerLog, unit: 'rows', smoke, ...setupSize });

  const password = await h.operator('bench', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const operator = await signIn(h, 'bench', password);
  const fetchPage = async (path: string): Promise<{ elapsed: number; body: string }> => {
    const started = performance.now();
    const response = await operator.request(`${h.url}${path}`);
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
    return { elapsed, body };
  };
  const nextOf = (body: string): string | undefined =>
    /<a href="(\/audit\?[^"]+)" rel="next">/.exec(body)?.[1]?.replaceAll('&amp;', '&');

  // The deep page: the merged tokens followed to about a fifth of the way back (pages of 25: 1,600 pages at full
  // size would take long; the cost of a page does not depend on how deep it is, which the figure shows).
  let deepPath = '/audit';
  const deepPages = smoke ? 3 : 400;
  for (let index = 0; index < deepPages; index++) {
    const next = nextOf((await fetchPage(deepPath)).body);
    if (next === undefined) break;
    deepPath = next;
  }

  const floorOf =
    (identity: Omit<AuditPageFilter, 'limit'>, transitFilter: Omit<OperatorAuditFilter, 'limit'>) =>
    async (): Promise<void> => {
      await identityPool.query(identityPageQuery({ ...identity, limit: pageSize }));
      await transitPool.query(transitPageQuery({ ...transitFilter, limit: pageSize }));
    };
  const day = { from: new Date('2030-06-15T00:00:00Z'), before: new Date('2030-06-16T00:00:00Z') };
  const pages = [
    { name: 'audit_first_page', path: '/audit', floor: floorOf({}, {}) },
    {
      name: 'audit_deep_page',
      path: deepPath,
      floor: floorOf({ beforeId: BigInt(rowsPerLog / 2) }, { beforeId: BigInt(rowsPerLog / 2) }),
    },
    {
      name: 'audit_search_who',
      path: '/audit?who=operator%3Aop-07',
      floor: floorOf({ actor: 'operator:op-07' }, { actor: 'operator:op-07' }),
    },
    {
      name: 'audit_search_prefixes',
      path: '/audit?action=service.&target=svc-00',
      floor: floorOf(
        { actionPrefix: 'service.', subjectPrefix: 'svc-00' },
        { actionPrefix: 'service.', targetPrefix: 'svc-00' },
      ),
    },
    { name: 'audit_one_day', path: '/audit?from=2030-06-15&to=2030-06-15', floor: floorOf(day, day) },
  ];
  const timed = async (run: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };
  let worstP95 = 0;
  for (const list of pages) {
    const first = await fetchPage(list.path);
    const rows = (first.body.match(/<tr><td><time/g) ?? []).length;
    for (let warm = 0; warm < Math.min(20, samples); warm++) await fetchPage(list.path);
    const rendered: number[] = [];
    const floor: number[] = [];
    for (let index = 0; index < samples; index++) {
      rendered.push((await fetchPage(list.path)).elapsed);
      floor.push(await timed(list.floor));
    }
    for (const p of [50, 95] as const) {
      emit({
        bench,
        metric: `${list.name}_p${p}_ms`,
        value: round(p === 50 ? median(rendered) : percentile(rendered, p)),
        unit: 'ms',
        floor: round(p === 50 ? median(floor) : percentile(floor, p)),
        samples,
        rows,
        ...(p === 95 ? { goal: goalMsP95 } : {}),
      });
    }
    worstP95 = Math.max(worstP95, percentile(rendered, 95));
  }
  emit({
    bench,
    metric: 'audit_pages_worst_p95_ms',
    value: round(worstP95),
    unit: 'ms',
    floor: null,
    floor_missing: 'the worst of the pages above, each printed with its own floor',
    goal: goalMsP95,
    withinGoal: smoke ? 'not judged (smoke)' : worstP95 < goalMsP95,
  });
} finally {
  await identityPool.end();
  await h.stop();
}
