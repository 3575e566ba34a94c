// What the risk engine's state costs in memory per active resident (issue 12: RSS <= 150 MB a service), against the
// floor of a bare Map of as many fresh string keys, each holding one small fixed-size typed-array record (8 doubles),
// measured in the same run. Heap is heapUsed + external (typed arrays' backing stores live outside the heap) after a
// forced full GC.
//   engine:  the seeded city in districts of `districtResidents` residents (each district its own seed; its resident,
//            device, credential and merchant ids prefixed with the district, fresh strings per event as ids decoded
//            from requests are), every district over the same days, fed as the wallet does (decide, then
//            recordApproved for an approval or review, recordAttempt otherwise). Every resident is active: all paid
//            within the last `days` days.
//   per kind: the engine's tables (resident x merchant pairs, merchants, devices, residents) emptied one at a time,
//            the heap measured after each: what a table frees is its bytes (an id string shared by two tables is
//            counted with the later one). The bench reaches into the engine's private state for this alone.
//   churn:   the same districts one after another in time (district d's days shifted by d x `days`), so residents
//            go idle as the next district starts: what the engine holds once idle entities are evicted (horizon.ts:
//            thirty days and a day of grace), against the residents ever fed. Typed arrays keep the length they
//            grew to and their rows are reused, so this is the steady state's footprint, not a shrink after a peak.
// Run: ./node_modules/.bin/node bench/risk_memory.ts   (BENCH_RISK_RESIDENTS, BENCH_RISK_DAYS to change the city)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateCity } from '@citypass/risk/city';
import { RiskEngine, defaultRuleSet, type RiskEvent } from '@citypass/risk';
import { emit, isFloor, round2, smoke } from './lib.ts';

const bench = 'risk_memory';
const residents = Number(process.env.BENCH_RISK_RESIDENTS ?? (smoke ? 1_000 : 100_000));
const days = Number(process.env.BENCH_RISK_DAYS ?? (smoke ? 3 : 14));
const districtResidents = Math.min(residents, 5_000);

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function heapBytes(): number {
  for (let round = 0; round < 3; round += 1) collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** A copy of `id` that shares no memory with it, as a string decoded from a request is. */
function fresh(id: string): string {
  return Buffer.from(id, 'latin1').toString('latin1');
}

function inDistrict(event: RiskEvent, district: string): RiskEvent {
  return {
    ...event,
    residentId: fresh(`${district}${event.residentId}`),
    deviceId: fresh(`${district}${event.deviceId}`),
    credentialId: fresh(`${district}${event.credentialId}`),
    merchantId: fresh(`${district}${event.merchantId}`),
  };
}

// Every size is what freeing frees (the heap with the thing, less the heap once it is dropped): the heap at start
// still holds what module loading leaves behind and frees later.
// The floor: a bare Map of one fresh key per resident, each holding one Float64Array of 8.
function floorBytesPerKey(keys: number): number {
  const map = new Map<string, Float64Array>();
  for (let index = 0; index < keys; index += 1) map.set(fresh(`d0-resident-${index}`), new Float64Array(8));
  const withMap = heapBytes();
  // Read after the measurement: the optimizer would otherwise let the collector free a map nothing reads again.
  if (map.size !== keys) throw new Error('the floor map lost keys');
  map.clear();
  return (withMap - heapBytes()) / keys;
}
const floorBytes = floorBytesPerKey(residents);

/** `churn`: each district's days after the previous district's (else every district over the same days). */
function cityEngine(churn = false): { readonly engine: RiskEngine; readonly events: number } {
  const engine = new RiskEngine(defaultRuleSet);
  let events = 0;
  for (let district = 0; district * districtResidents < residents; district += 1) {
    const count = Math.min(districtResidents, residents - district * districtResidents);
    const city = generateCity({ seed: 13 + district, residents: count, days });
    const shiftMs = churn ? district * days * 86_400_000 : 0;
    for (const generated of city.events) {
      const event = inDistrict({ ...generated, atMs: generated.atMs + shiftMs }, `d${district}-`);
      const decision = engine.decide(event);
      if (decision.outcome === 'approve' || decision.outcome === 'review') engine.recordApproved(event, decision);
      else engine.recordAttempt(event, decision);
      events += 1;
    }
  }
  return { engine, events };
}

type Table = { readonly size: number; clear(): void };
const tables = ['residentMerchants', 'merchants', 'devices', 'residents'] as const;
type TableName = (typeof tables)[number];

/** The engine's heap with its tables' sizes and bytes; the engine is dropped on return. */
function measureEngine() {
  const { engine, events } = cityEngine();
  const rssBytes = process.memoryUsage().rss;
  const withEngine = heapBytes();
  const state = (engine as unknown as { state: Record<string, Table> }).state;
  const sizes = Object.fromEntries(tables.map((name) => [name, state[name]?.size ?? 0])) as Record<TableName, number>;
  const tableBytes = {} as Record<TableName, number>;
  let standing = withEngine;
  for (const name of tables) {
    state[name]?.clear();
    const after = heapBytes();
    tableBytes[name] = standing - after;
    standing = after;
  }
  return { events, rssBytes, withEngine, sizes, tableBytes };
}
const { events, rssBytes, withEngine, sizes, tableBytes } = measureEngine();
const totalBytes = withEngine - heapBytes();

const activeResidents = sizes.residents;
emit({
  bench,
  metric: 'bytes_per_active_resident',
  value: round2(totalBytes / activeResidents),
  unit: 'B',
  floor: round2(floorBytes),
  residents: activeResidents,
  days,
  events,
});
emit({ bench, metric: 'floor_map_bytes_per_key', value: round2(floorBytes), unit: 'B', ...isFloor });
const perKind = [
  ['bytes_per_resident', 'residents'],
  ['bytes_per_device', 'devices'],
  ['bytes_per_merchant', 'merchants'],
  ['bytes_per_resident_merchant', 'residentMerchants'],
] as const;
for (const [metric, table] of perKind) {
  emit({
    bench,
    metric,
    value: sizes[table] === 0 ? null : round2(tableBytes[table] / sizes[table]),
    unit: 'B',
    floor: round2(floorBytes),
    entries: sizes[table],
  });
}
emit({
  bench,
  metric: 'engine_heap_mb',
  value: round2(totalBytes / 1e6),
  unit: 'MB',
  floor: round2((floorBytes * activeResidents) / 1e6),
  rss_mb: round2(rssBytes / 1e6),
});

/** The heap with the engine after the districts came one after another, and what it holds; dropped on return. */
function measureChurn() {
  const { engine, events } = cityEngine(true);
  return { events, withEngine: heapBytes(), sizes: engine.stateSizes, rssBytes: process.memoryUsage().rss };
}
const churn = measureChurn();
const churnBytes = churn.withEngine - heapBytes();
emit({
  bench,
  metric: 'churn_engine_heap_mb',
  value: round2(churnBytes / 1e6),
  unit: 'MB',
  floor: round2((floorBytes * churn.sizes.residents) / 1e6),
  residents_fed: residents,
  days_fed: days * Math.ceil(residents / districtResidents),
  events: churn.events,
  held: churn.sizes,
  rss_mb: round2(churn.rssBytes / 1e6),
});
emit({
  bench,
  metric: 'churn_bytes_per_resident_held',
  value: churn.sizes.residents === 0 ? null : round2(churnBytes / churn.sizes.residents),
  unit: 'B',
  floor: round2(floorBytes),
});
