// How long the risk engine takes with one authorization, as the wallet uses it, against the floor of one bare Map
// lookup per authorization timed the same way (issue 13's goals: mean <= 40 us, p99 < 1 ms).
//   decide_record: what the wallet's authorize does with the engine (app/risk_scoring.ts): RiskEngine.decide
//           (features, rules; no state change), then the outcome recorded, recordApproved for an approval or a
//           review (the ledger committing every one), recordAttempt for a step-up or a decline (WALLET_RISK=on);
//           on the seeded city's events in time order, a million of them (the city's days repeated, shifted in
//           time, until the count is reached). Both calls are timed together, per authorization.
//   floor:  Map.get of the event's resident, timed per call like the scoring
//   wallet: the wallet's authorize throughput (gRPC, 64 in flight, PostgreSQL commits, the wallet as its own
//           process) with WALLET_RISK=off and with scoring (observe: decided and stored, nothing refused, so both
//           make the same authorizations): two wallets on databases of their own, running at once, each warmed
//           with BENCH_WARMUP_AUTHORIZATIONS (2,000) unmeasured ones, then loaded in turns, BENCH_SLICES (24)
//           slices of BENCH_SLICE_MS (500) each, the order swapped every pair (bench/wallet_authorize_rate.ts).
//           The cost is 1 - scored / unscored of the throughputs over all slices (goal: scoring costs <= 10 % of
//           the throughput), beside the extra CPU per authorization of the wallet and of its database; each pair
//           of slices' own cost is listed with it, its spread being the noise
// Run: ./node_modules/.bin/node bench/risk_scoring.ts (BENCH_RISK_WALLET_ONLY=1: the wallet rounds only)
import { defaultCityOptions, generateCity } from '@citypass/risk/city';
import { RiskEngine, dayMs, defaultRuleSet, type RiskEvent } from '@citypass/risk';
import { startHarness } from '../services/identity/test/harness.ts';
import { emit, isFloor, median, percentile, smoke } from './lib.ts';
import { benchServices, pairedAuthorizeRates, payers, type Slice } from './wallet_authorize_rate.ts';

const bench = 'risk_scoring';
const round = (value: number) => Math.round(value * 100) / 100;

/** The engine alone: decide and record, per authorization, against the floor. */
function engineFigures(): void {
  const count = smoke ? 2_000 : 1_000_000;
  const city = generateCity(smoke ? { seed: defaultCityOptions.seed, residents: 20, days: 10 } : defaultCityOptions);
  const lapMs = city.options.days * dayMs;

  function eventAt(index: number): RiskEvent {
    const lap = Math.floor(index / city.events.length);
    const event = city.events[index % city.events.length];
    if (event === undefined) throw new Error('the city has no events');
    return lap === 0
      ? event
      : { ...event, atMs: event.atMs + lap * lapMs, deviceBoundAtMs: event.deviceBoundAtMs + lap * lapMs };
  }

  const events = Array.from({ length: count }, (_, index) => eventAt(index));
  const engine = new RiskEngine(defaultRuleSet);
  const decidedUs = new Float64Array(count);
  const outcomes = { approve: 0, review: 0, step_up: 0, decline: 0 };
  for (const [index, event] of events.entries()) {
    const startedAt = performance.now();
    const decision = engine.decide(event);
    if (decision.outcome === 'approve' || decision.outcome === 'review') engine.recordApproved(event, decision);
    else engine.recordAttempt(event, decision);
    decidedUs[index] = (performance.now() - startedAt) * 1000;
    outcomes[decision.outcome] += 1;
  }

  const residents = new Map(city.events.map((event) => [event.residentId, { lastAtMs: event.atMs }]));
  const floorUs = new Float64Array(count);
  let found = 0;
  for (const [index, event] of events.entries()) {
    const startedAt = performance.now();
    if (residents.get(event.residentId) !== undefined) found += 1;
    floorUs[index] = (performance.now() - startedAt) * 1000;
  }
  if (found !== count) throw new Error('every resident is in the floor map');

  const mean = (values: Float64Array) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const max = (values: Float64Array) => values.reduce((highest, value) => Math.max(highest, value), 0);
  const decided = [...decidedUs];
  const floor = [...floorUs];
  const figures: [string, number, number, number | undefined][] = [
    ['decide_record_mean_us', mean(decidedUs), mean(floorUs), 40],
    ['decide_record_p50_us', median(decided), median(floor), undefined],
    ['decide_record_p99_us', percentile(decided, 99), percentile(floor, 99), 1_000],
    ['decide_record_max_us', max(decidedUs), max(floorUs), undefined],
  ];
  for (const [metric, value, floorValue, goal] of figures) {
    emit({
      bench,
      metric,
      value: round(value),
      unit: 'us',
      floor: round(floorValue),
      samples: count,
      ...(goal === undefined ? {} : { goal }),
    });
  }
  for (const [outcome, decisions] of Object.entries(outcomes)) {
    emit({
      bench,
      metric: `decisions_${outcome}`,
      value: decisions,
      unit: 'count',
      floor: null,
      floor_missing: 'a count',
    });
  }
}

if (process.env.BENCH_RISK_WALLET_ONLY !== '1') engineFigures();

// The wallet with and without scoring, in the same run: both at once, loaded in turns (see the top).
const sliceMs = Number(process.env.BENCH_SLICE_MS ?? (smoke ? 200 : 500));
const slices = smoke ? 2 : Number(process.env.BENCH_SLICES ?? 24);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const warmupAuthorizations = smoke ? 100 : Number(process.env.BENCH_WARMUP_AUTHORIZATIONS ?? 2_000);
const identity = await startHarness({ LOG_LEVEL: 'error' });
try {
  const phones = await payers(identity, Number(process.env.BENCH_RESIDENTS ?? 32));
  const services = await benchServices(identity);
  const { pairs, warmedUp, decisions, cpuMs } = await pairedAuthorizeRates(identity, phones, await services.tokens(), {
    sliceMs,
    slices,
    inFlight,
    warmupAuthorizations,
    warmupMaxMs: 15_000,
  });
  const total = (side: 'off' | 'scored') => {
    const sum = (part: keyof Slice) => pairs.reduce((acc, pair) => acc + pair[side][part], 0);
    return { authorizations: sum('authorizations'), ms: sum('ms'), ...cpuMs[side] };
  };
  const off = total('off');
  const scored = total('scored');
  if (decisions.off !== 0 || decisions.scored !== warmedUp.scored + scored.authorizations)
    throw new Error(
      `decisions stored: ${decisions.off} unscored (0 expected), ${decisions.scored} scored for ${warmedUp.scored + scored.authorizations} authorizations`,
    );
  const rate = (side: typeof off) => (side.authorizations * 1000) / side.ms;
  const perPair = (value: (pair: { off: Slice; scored: Slice }) => number) => {
    const values = pairs.map(value).filter(Number.isFinite);
    return {
      pairs: values.map(round),
      min: round(Math.min(...values)),
      quartiles: [round(percentile(values, 25)), round(median(values)), round(percentile(values, 75))],
      max: round(Math.max(...values)),
    };
  };
  const sliceRate = (slice: Slice) => (slice.authorizations * 1000) / slice.ms;
  emit({
    bench,
    metric: 'wallet_authorize_per_s_unscored',
    value: round(rate(off)),
    ...perPair((pair) => sliceRate(pair.off)),
    unit: 'ops/s',
    inFlight,
    ...isFloor,
  });
  emit({
    bench,
    metric: 'wallet_authorize_per_s_scored',
    value: round(rate(scored)),
    ...perPair((pair) => sliceRate(pair.scored)),
    unit: 'ops/s',
    inFlight,
    floor: round(rate(off)),
    ratio: round(rate(scored) / rate(off)),
  });
  emit({
    bench,
    metric: 'wallet_scoring_cost',
    value: round((1 - rate(scored) / rate(off)) * 100),
    ...perPair((pair) => (1 - sliceRate(pair.scored) / sliceRate(pair.off)) * 100),
    unit: '%',
    goal: 10,
    floor: null,
    floor_missing:
      'a cost share: 1 - scored / unscored of the throughputs over all slices; `pairs`: each pair of slices',
  });
  // CPU per authorization depends less on what else runs on the machine than throughput does: each wallet's and its
  // database's over all the slices (and what they left for later), per authorization made in them.
  for (const part of ['wallet', 'postgres'] as const) {
    const perAuthorization = (side: typeof off) => (side[part] * 1000) / side.authorizations;
    if (off[part] <= 0 || scored[part] <= 0) {
      emit({
        bench,
        metric: `wallet_scoring_cpu_${part}_extra`,
        value: null,
        unit: 'us/op',
        floor: null,
        floor_missing: 'no CPU reading in this run',
      });
      continue;
    }
    emit({
      bench,
      metric: `wallet_authorize_cpu_${part}_unscored`,
      value: round(perAuthorization(off)),
      unit: 'us/op',
      ...isFloor,
    });
    emit({
      bench,
      metric: `wallet_authorize_cpu_${part}_scored`,
      value: round(perAuthorization(scored)),
      unit: 'us/op',
      floor: round(perAuthorization(off)),
      ratio: round(perAuthorization(scored) / perAuthorization(off)),
    });
    emit({
      bench,
      metric: `wallet_scoring_cpu_${part}_extra`,
      value: round(perAuthorization(scored) - perAuthorization(off)),
      unit: 'us/op',
      floor: null,
      floor_missing: 'scored - unscored CPU per authorization over all slices',
    });
  }
} finally {
  await identity.stop();
}
