// The capacity model of docs/capacity.md: reads the benches' CPU-per-operation figures (JSON lines with unit
// "us/op", a part and an operation; bench/cpu.ts writes them) and says how many cores, instances and nodes each part
// needs for a city's peaks, and which part saturates first.
// Run: node bench/wallet_charges.ts > /tmp/b.jsonl; node bench/transit_taps.ts >> /tmp/b.jsonl
//      node scripts/capacity.ts /tmp/b.jsonl [--utilization 0.6] [--db-cores 32] [--nats-cores 16] [--nats-replicas 3]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    utilization: { type: 'string', default: '0.6' },
    'db-cores': { type: 'string', default: '32' },
    'nats-cores': { type: 'string', default: '16' },
    'nats-replicas': { type: 'string', default: '3' },
  },
});
if (positionals.length === 0) {
  process.stderr.write('usage: node scripts/capacity.ts <bench.jsonl>... [--utilization 0.6] [--db-cores 32]\n');
  process.exit(64);
}
/** The share of a core we plan to use at peak: the rest absorbs bursts, GC and a failed node's load. */
const utilization = Number(values.utilization);
const dbCoresPerNode = Number(values['db-cores']);
const natsCoresPerNode = Number(values['nats-cores']);
/** JetStream stores each message on R nodes: a single-server bench measures one copy. */
const natsReplicas = Number(values['nats-replicas']);

/** µs of CPU per operation, by operation and part (the median when several runs are given). */
const costs = new Map<string, Map<string, number[]>>();
for (const file of positionals)
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const figure = JSON.parse(line) as { unit?: string; part?: string; operation?: string; value?: number | null };
    if (figure.unit !== 'us/op' || typeof figure.value !== 'number') continue;
    if (figure.part === undefined || figure.operation === undefined) continue;
    const byPart = costs.get(figure.operation) ?? new Map<string, number[]>();
    byPart.set(figure.part, [...(byPart.get(figure.part) ?? []), figure.value]);
    costs.set(figure.operation, byPart);
  }
const median = (list: readonly number[]): number => [...list].sort((a, b) => a - b)[list.length >> 1] ?? 0;
const costOf = (operation: string, part: string): number | undefined => {
  const list = costs.get(operation)?.get(part);
  return list === undefined ? undefined : median(list);
};

interface Load {
  readonly operation: string;
  readonly perSecond: number;
}
interface Scenario {
  readonly name: string;
  readonly loads: readonly Load[];
}
/** A charge where the bench measured one; otherwise the pair it replaces (authorize, then capture). */
const chargeOperation = costs.has('charge') ? 'charge' : 'authorize+capture';
/** The charge floor's operation in bench/wallet_charges.ts's CPU figures (its responder is the part "charge floor"). */
const chargeFloorOperation = 'charge floor';
const scenarios: readonly Scenario[] = [
  {
    // 100,000 taps a minute at the metro's peak; each journey (a tap in and a tap out) settles one fare later.
    name: 'metro peak: 100,000 taps/min',
    loads: [
      { operation: 'tap', perSecond: 100_000 / 60 },
      { operation: chargeOperation, perSecond: 100_000 / 60 / 2 },
    ],
  },
  { name: 'payment peak: 256,000 charges/s', loads: [{ operation: chargeOperation, perSecond: 256_000 }] },
  // The same peak sized from the charge floor's costs (bench/charge_floor.ts, measured in wallet_charges' run):
  // what the machine allows for that work, beside what the wallet needs. Only when the input has its figures.
  ...(costs.has(chargeFloorOperation)
    ? [
        {
          name: 'payment peak at the charge floor: 256,000 charges/s',
          loads: [{ operation: chargeFloorOperation, perSecond: 256_000 }],
        },
      ]
    : []),
];

/** How a part scales: services are single-threaded Node processes (one core each), the servers are clusters. */
function sizing(part: string, cores: number): { unit: string; count: number } {
  if (part === 'postgres')
    return { unit: `nodes of ${dbCoresPerNode} cores`, count: Math.ceil(cores / dbCoresPerNode) };
  if (part === 'nats')
    return {
      unit: `nodes of ${natsCoresPerNode} cores (R${natsReplicas})`,
      count: Math.max(natsReplicas, Math.ceil(cores / natsCoresPerNode)),
    };
  return { unit: 'instances (1 core each)', count: Math.ceil(cores) };
}

const missing = new Set<string>();
for (const scenario of scenarios) {
  const coresByPart = new Map<string, number>();
  for (const load of scenario.loads) {
    const byPart = costs.get(load.operation);
    if (byPart === undefined) {
      missing.add(load.operation);
      continue;
    }
    for (const part of byPart.keys()) {
      if (part === 'load generator') continue; // phones and gates are not ours to size
      const replicas = part === 'nats' ? natsReplicas : 1;
      const us = (costOf(load.operation, part) ?? 0) * replicas;
      coresByPart.set(part, (coresByPart.get(part) ?? 0) + (load.perSecond * us) / 1e6 / utilization);
    }
  }
  const parts = [...coresByPart].sort((a, b) => b[1] - a[1]);
  for (const [part, cores] of parts) {
    const { unit, count } = sizing(part, cores);
    process.stdout.write(
      `${JSON.stringify({ scenario: scenario.name, part, cores: Math.round(cores * 10) / 10, count, unit, utilization })}\n`,
    );
  }
  // Per core, the part that needs the most cores for this load saturates first on shared hardware.
  if (parts[0] !== undefined)
    process.stdout.write(`${JSON.stringify({ scenario: scenario.name, saturates_first: parts[0][0] })}\n`);
}
for (const operation of missing)
  process.stdout.write(`${JSON.stringify({ missing: operation, hint: 'no us/op figures for it in the input' })}\n`);
