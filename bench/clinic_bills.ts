// How fast the coverage-plan engine adjudicates a 10-line bill (pure, one core), against the floor of a bare
// JSON.parse of the same bill: the least any service does with a bill it receives. Rounds interleave the two loops
// in short slices so noise hits both alike; each figure is the median over rounds.
// Then a visit end to end against running services (bench/clinic_visit_flow.ts): finalize-and-pay's p50/p99 next to
// the floor of a bare gRPC call plus the wallet's own authorize (goal: within 3x). BENCH_PHASE_MS sets its phases.
// Run: ./node_modules/.bin/node bench/clinic_bills.ts (PostgreSQL and NATS as for the tests)
import { adjudicateBill } from '../services/health-billing/src/domain/adjudicate.ts';
import { emptyAccumulators } from '../services/health-billing/src/domain/accumulators.ts';
import type { BillLine } from '../services/health-billing/src/domain/adjudication.ts';
import {
  sampleCatalogue,
  sampleCurrency,
  sampleFeeSchedule,
  sampleStandardPlan,
} from '../services/health-billing/src/domain/sample.ts';
import { measureVisitFlow } from './clinic_visit_flow.ts';
import { emit, isFloor, smoke, median, timedLoop } from './lib.ts';

const bench = 'clinic_bills';
const rounds = smoke ? 1 : 5;
const slicesPerRound = smoke ? 2 : 10;
const sliceMs = smoke ? 5 : 50;
const serviceDate = '2026-12-05';

// Ten lines across the plan's categories, none needing a pre-authorization; billed above, at and below the fee.
const codes = ['GP-101', 'SP-201', 'IM-301', 'IM-302', 'LB-401', 'LB-402', 'RX-502', 'PT-601', 'PV-701', 'ER-801'];
const lines: BillLine[] = codes.map((code, index) => ({
  lineId: `line-${index + 1}`,
  code,
  serviceDate,
  billedMinor: 2_000n + BigInt(index) * 7_350n,
}));
const input = {
  catalogue: sampleCatalogue,
  feeSchedule: sampleFeeSchedule,
  plan: sampleStandardPlan,
  coverage: { memberId: 'member-1', concession: 'adult' as const, startsOn: '2026-01-01' },
  currency: sampleCurrency,
  lines,
  accumulators: emptyAccumulators(2026),
  preauthorizations: [],
};
const billJson = JSON.stringify({
  memberId: 'member-1',
  currency: sampleCurrency,
  lines: lines.map((line) => ({ ...line, billedMinor: String(line.billedMinor) })),
});

const check = adjudicateBill(input);
if (
  check.lines.length !== 10 ||
  check.billedMinor !== check.clinicWriteOffMinor + check.patientShareMinor + check.planShareMinor
)
  throw new Error('the bench bill does not adjudicate as expected');

let sink = 0;
const adjudicated: number[] = [];
const parsed: number[] = [];
for (let round = 0; round < rounds; round++) {
  let adjudications = { ops: 0, ms: 0 };
  let parses = { ops: 0, ms: 0 };
  for (let slice = 0; slice < slicesPerRound; slice++) {
    const a = timedLoop(sliceMs, 1e9, () => {
      sink += adjudicateBill(input).lines.length;
    });
    const p = timedLoop(sliceMs, 1e9, () => {
      sink += (JSON.parse(billJson) as { lines: unknown[] }).lines.length;
    });
    adjudications = { ops: adjudications.ops + a.ops, ms: adjudications.ms + a.elapsedMs };
    parses = { ops: parses.ops + p.ops, ms: parses.ms + p.elapsedMs };
  }
  adjudicated.push((adjudications.ops * 1000) / adjudications.ms);
  parsed.push((parses.ops * 1000) / parses.ms);
}
if (sink === 0) throw new Error('unreachable: keeps the loops from being optimized away');

const adjudicatedPerS = median(adjudicated);
const parsedPerS = median(parsed);
emit({ bench, metric: 'floor_json_parse_bills_per_s', value: Math.round(parsedPerS), unit: 'bills/s', ...isFloor });
emit({
  bench,
  metric: 'adjudicate_10_line_bills_per_s',
  value: Math.round(adjudicatedPerS),
  unit: 'bills/s',
  floor: Math.round(parsedPerS),
  goal: 50_000,
});

await measureVisitFlow(bench);
