// How long the risk engine takes with one authorization, as the wallet uses it, against the floor of one bare Map
// lookup per authorization timed the same way (issue 13's goals: mean <= 40 us, p99 < 1 ms).
//   decide_record: what the wallet's authorize does with the engine (app/risk_scoring.ts): RiskEngine.decide
//           (features, rules; no state change), then the outcome recorded, recordApproved for an approval or a
//           review (the ledger committing every one), recordAttempt for a step-up or a decline (WALLET_RISK=on);
//           on the seeded city's events in time order, a million of them (the city's days repeated, shifted in
//           time, until the count is reached). Both calls are timed together, per authorization.
//   floor:  Map.get of the event's resident, timed per call like the scoring
//   wallet: the wallet's authorize throughput (NATS, 64 in flight, PostgreSQL commits, the wallet as its own
//           process) with WALLET_RISK=off and with scoring (observe: decided and stored, nothing refused, so both
//           runs make the same authorizations), in BENCH_ROUNDS rounds of both on fresh databases, alternating
//           which goes first, each phase after BENCH_WARMUP_AUTHORIZATIONS (2,000) unmeasured ones; the cost is
//           the median of the rounds' costs (goal: scoring costs <= 10 % of the throughput), beside the median
//           extra CPU per authorization of the wallet and of its database
// Run: ./node_modules/.bin/node bench/risk_scoring.ts (BENCH_RISK_WALLET_ONLY=1: the wallet rounds only)
import { defaultCityOptions, generateCity } from '@citypass/risk/city';
import { RiskEngine, dayMs, defaultRuleSet, type RiskEvent } from '@citypass/risk';
import { startHarness } from '../services/identity/test/harness.ts';
import { emit, isFloor, median, percentile, smoke } from './lib.ts';
import { authorizeRate, benchServices, payers } from './wallet_authorize_rate.ts';

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

// The wallet with and without scoring, in the same run: BENCH_ROUNDS rounds (3), each an unscored and a scored phase
// on fresh databases, in turns (off then scored, scored then off, ...) so the machine's noise falls on both alike. Each
// round gives its own cost (1 - scored / unscored) and its extra CPU per authorization (scored - unscored); the
// figures are the medians of those, with every round's value beside them.
const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 3_000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
// Before each phase, unmeasured (at most 15 s): the wallet's code compiled as in a wallet that has been running.
const warmupAuthorizations = smoke ? 100 : Number(process.env.BENCH_WARMUP_AUTHORIZATIONS ?? 2_000);
type Phase = { readonly perSecond: number; readonly wallet: number | null; readonly postgres: number | null };
const identity = await startHarness({ LOG_LEVEL: 'error' });
try {
  const phones = await payers(identity, Number(process.env.BENCH_RESIDENTS ?? 32));
  const services = await benchServices(identity);
  const phase = async (risk: 'off' | 'observe'): Promise<Phase> => {
    const { perSecond, authorizations, warmedUp, decisions, cpuUs } = await authorizeRate(
      identity,
      phones,
      await services.tokens(),
      {
        risk,
        phaseMs,
        inFlight,
        warmupAuthorizations,
        warmupMaxMs: 15_000,
      },
    );
    const made = warmedUp + authorizations;
    if (decisions !== (risk === 'off' ? 0 : made))
      throw new Error(`${risk}: ${decisions} decisions stored for ${made} authorizations`);
    return { perSecond, ...cpuUs };
  };
  const played: { off: Phase; scored: Phase }[] = [];
  for (let index = 0; index < rounds; index++) {
    if (index % 2 === 0) {
      const off = await phase('off');
      played.push({ off, scored: await phase('observe') });
    } else {
      const scored = await phase('observe');
      played.push({ off: await phase('off'), scored });
    }
  }
  const summary = (values: readonly number[]) => ({
    value: round(median(values)),
    rounds: values.map(round),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  });
  const unscoredRates = played.map(({ off }) => off.perSecond);
  emit({
    bench,
    metric: 'wallet_authorize_per_s_unscored',
    ...summary(unscoredRates),
    unit: 'ops/s',
    inFlight,
    ...isFloor,
  });
  emit({
    bench,
    metric: 'wallet_authorize_per_s_scored',
    ...summary(played.map(({ scored }) => scored.perSecond)),
    unit: 'ops/s',
    inFlight,
    floor: round(median(unscoredRates)),
  });
  emit({
    bench,
    metric: 'wallet_scoring_cost',
    ...summary(played.map(({ off, scored }) => (1 - scored.perSecond / off.perSecond) * 100)),
    unit: '%',
    goal: 10,
    floor: null,
    floor_missing: "a cost share: the median of the rounds' 1 - scored / unscored",
  });
  // CPU per authorization depends less on what else runs on the machine than throughput does.
  for (const part of ['wallet', 'postgres'] as const) {
    const measured = played.flatMap(({ off, scored }) =>
      off[part] === null || scored[part] === null ? [] : [{ off: off[part], scored: scored[part] }],
    );
    if (measured.length === 0) {
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
    const unscored = summary(measured.map(({ off }) => off));
    emit({ bench, metric: `wallet_authorize_cpu_${part}_unscored`, ...unscored, unit: 'us/op', ...isFloor });
    emit({
      bench,
      metric: `wallet_authorize_cpu_${part}_scored`,
      ...summary(measured.map(({ scored }) => scored)),
      unit: 'us/op',
      floor: unscored.value,
    });
    emit({
      bench,
      metric: `wallet_scoring_cpu_${part}_extra`,
      ...summary(measured.map(({ off, scored }) => scored - off)),
      unit: 'us/op',
      floor: null,
      floor_missing: "the median of the rounds' scored - unscored CPU per authorization",
    });
  }
} finally {
  await identity.stop();
}
