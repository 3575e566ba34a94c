// Is the gate path isolated from background work (issue 12, step 5)? The Tap open loop of bench/transit_taps.ts,
// run again while settlement works through a backlog of riders (and relays its outbox, collects debts):
//   same process: one transit with TRANSIT_ROLE=all, settlement every 250 ms, as a single instance runs;
//   own process:  a transit with TRANSIT_ROLE=gate, first alone (idle), then with a TRANSIT_ROLE=settlement
//                 process beside it on the same database (busy), then with one at the lowest CPU priority
//                 (TRANSIT_NICE=19: on shared cores the gate gets the CPU first).
// Each case reports Tap p50/p99 (client and server side), the gate process's event-loop delay, and how much
// settlement work was done during the loop, so "busy" is shown to be busy.
import pg from 'pg';
import type { ServiceProcess } from '../test/support/service_process.ts';
import { median, openLoopPhase, percentile, round2, type Figure, type PhaseResult } from './lib.ts';
import { eventLoopDelay, histogramDiff, rpcHistogram } from './service_metrics.ts';

export type TransitRole = 'all' | 'gate' | 'settlement';

export interface TransitInstance {
  readonly process: ServiceProcess;
  readonly address: string;
  readonly metricsPort: number;
}

export interface IsolationDeps<Client extends { close(): void }> {
  readonly bench: string;
  startTransit(
    role: TransitRole,
    settleIntervalMs?: number,
    extraEnv?: Record<string, string>,
  ): Promise<TransitInstance>;
  readonly rate: number;
  readonly count: number;
  readonly warmTaps: number;
  presentations(count: number): string[];
  gatesAt(address: string): Client;
  tap(client: Client, presentation: string): Promise<void>;
  readonly transitDbUrl: string;
  /** The main phase's open loop on the parked TRANSIT_ROLE=all instance: the idle case of the same process. */
  readonly idle: { readonly result: PhaseResult; readonly loopDelayP99Ms: number };
}

/** One open loop against a gate process: latencies, server-side p99, event-loop delay, settlement done meanwhile. */
interface CaseResult {
  readonly result: PhaseResult;
  readonly serverP99Ms: number;
  readonly loopDelay: { p99: number; max: number };
  readonly ridersDueAtStart: number;
  readonly stepsSettled: number;
  /** Riders whose taps settlement priced again during the loop (a capped rider needs no wallet step). */
  readonly ridersPriced: number;
}

const settleIntervalMs = 250;

export async function measureIsolation<Client extends { close(): void }>(
  deps: IsolationDeps<Client>,
): Promise<Figure[]> {
  const db = new pg.Client({ connectionString: deps.transitDbUrl });
  await db.connect();
  try {
    const runCase = (gate: TransitInstance): Promise<CaseResult> => openLoopOn(deps, db, gate);
    const same = await deps.startTransit('all', settleIntervalMs);
    const sameBusy = await runCase(same).finally(() => same.process.stop());
    const gate = await deps.startTransit('gate');
    try {
      const ownIdle = await runCase(gate);
      const settlement = await deps.startTransit('settlement', settleIntervalMs);
      const ownBusy = await runCase(gate).finally(() => settlement.process.stop());
      const niced = await deps.startTransit('settlement', settleIntervalMs, { TRANSIT_NICE: '19' });
      const ownBusyNiced = await runCase(gate).finally(() => niced.process.stop());
      return figures(deps, { sameBusy, ownIdle, ownBusy, ownBusyNiced });
    } finally {
      await gate.process.stop();
    }
  } finally {
    await db.end();
  }
}

async function openLoopOn<Client extends { close(): void }>(
  deps: IsolationDeps<Client>,
  db: pg.Client,
  gate: TransitInstance,
): Promise<CaseResult> {
  const client = deps.gatesAt(gate.address);
  try {
    for (const presentation of deps.presentations(deps.warmTaps)) await deps.tap(client, presentation);
    const pool = deps.presentations(deps.count);
    const before = await rpcHistogram(gate.metricsPort, 'TransitService/tap');
    const stepsBefore = await stepsDone(db);
    const pricedBefore = await settledVersions(db);
    const ridersDueAtStart = await ridersDue(db);
    await eventLoopDelay(gate.metricsPort);
    const result = await openLoopPhase(deps.rate, deps.count, (index) => deps.tap(client, pool[index] ?? ''));
    const loopDelay = await eventLoopDelay(gate.metricsPort);
    const server = histogramDiff(before, await rpcHistogram(gate.metricsPort, 'TransitService/tap'));
    const pricedAfter = await settledVersions(db);
    return {
      ridersPriced: [...pricedAfter].filter(([rider, version]) => pricedBefore.get(rider) !== version).length,
      result,
      serverP99Ms: server.p99,
      loopDelay,
      ridersDueAtStart,
      stepsSettled: (await stepsDone(db)) - stepsBefore,
    };
  } finally {
    client.close();
  }
}

async function stepsDone(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM settlement_steps WHERE status = 'done'");
  return Number(rows[0]?.n ?? 0);
}

async function settledVersions(db: pg.Client): Promise<Map<string, string>> {
  const { rows } = await db.query<{ resident_id: string; settled_version: string }>(
    'SELECT resident_id, settled_version FROM riders',
  );
  return new Map(rows.map((row) => [row.resident_id, row.settled_version]));
}

async function ridersDue(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM riders WHERE tap_version > settled_version',
  );
  return Number(rows[0]?.n ?? 0);
}

function figures<Client extends { close(): void }>(
  deps: IsolationDeps<Client>,
  cases: { sameBusy: CaseResult; ownIdle: CaseResult; ownBusy: CaseResult; ownBusyNiced: CaseResult },
): Figure[] {
  const { bench } = deps;
  const prefix = `isolation_open_loop_${deps.rate}_per_s`;
  const idle = deps.idle;
  const out: Figure[] = [];
  // Each busy case against the idle run of the same arrangement: the ratio is what background work costs the gate.
  const against = (
    name: string,
    busy: CaseResult,
    idleResult: PhaseResult,
    idleDelayP99: number,
    idleLabel: string,
  ) => {
    out.push(
      {
        bench,
        metric: `${prefix}_${name}_tap_p50_ms`,
        value: round2(median(busy.result.latencies)),
        unit: 'ms',
        floor: round2(median(idleResult.latencies)),
        floor_is: idleLabel,
      },
      {
        bench,
        metric: `${prefix}_${name}_tap_p99_ms`,
        value: round2(percentile(busy.result.latencies, 99)),
        unit: 'ms',
        floor: round2(percentile(idleResult.latencies, 99)),
        floor_is: idleLabel,
      },
      {
        bench,
        metric: `${prefix}_${name}_event_loop_delay_p99_ms`,
        value: round2(busy.loopDelay.p99),
        unit: 'ms',
        floor: round2(idleDelayP99),
        floor_is: idleLabel,
      },
      {
        bench,
        metric: `${prefix}_${name}_event_loop_delay_max_ms`,
        value: round2(busy.loopDelay.max),
        unit: 'ms',
        floor: null,
        floor_missing: 'a maximum has no idle counterpart worth a ratio',
      },
      {
        bench,
        metric: `${prefix}_${name}_server_p99_at_most_ms`,
        value: busy.serverP99Ms,
        unit: 'ms',
        floor: null,
        floor_missing: "bucket bound of transit's own histogram",
      },
      {
        bench,
        metric: `${prefix}_${name}_settlement_steps_done`,
        value: busy.stepsSettled,
        unit: 'steps',
        floor: null,
        floor_missing: 'how busy settlement was during the loop',
        riders_due_at_start: busy.ridersDueAtStart,
        riders_priced: busy.ridersPriced,
      },
      {
        bench,
        metric: `${prefix}_${name}_failed`,
        value: busy.result.failed,
        unit: 'taps',
        floor: null,
        floor_missing: 'a count that must be 0',
      },
    );
  };
  against(
    'same_process_busy',
    cases.sameBusy,
    idle.result,
    idle.loopDelayP99Ms,
    'the same arrangement (TRANSIT_ROLE=all) with settlement parked',
  );
  against(
    'own_process_idle',
    cases.ownIdle,
    idle.result,
    idle.loopDelayP99Ms,
    'TRANSIT_ROLE=all with settlement parked',
  );
  against(
    'own_process_busy',
    cases.ownBusy,
    cases.ownIdle.result,
    cases.ownIdle.loopDelay.p99,
    'the same TRANSIT_ROLE=gate process before settlement started',
  );
  against(
    'own_process_busy_niced',
    cases.ownBusyNiced,
    cases.ownIdle.result,
    cases.ownIdle.loopDelay.p99,
    'the same TRANSIT_ROLE=gate process before settlement started (settlement here at TRANSIT_NICE=19)',
  );
  return out;
}
