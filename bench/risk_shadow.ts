// What a candidate rule set in shadow costs the authorization path, and what the wallet's shadow report backtest
// costs (issue 13's rule-set API), both in process on the seeded city's events in time order:
//   shadow: RiskEngine.score with a candidate running in shadow (features once, two rule sets decided, the tally
//           counted), per authorization, against the floor of the same events scored by live alone
//   backtest: a fresh engine, the candidate in shadow, the newest 5,000 decisions scored (what GetRiskShadowReport
//           runs beside its database reads), against the floor of the same 5,000 scored by live alone
// Run: ./node_modules/.bin/node bench/risk_shadow.ts
import { defaultCityOptions, generateCity } from '@citypass/risk/city';
import { RiskEngine, defaultRuleSet, type RiskEvent, type RuleSet } from '@citypass/risk';
import { emit, median, percentile, smoke } from './lib.ts';

const bench = 'risk_shadow';
const city = generateCity(smoke ? { seed: defaultCityOptions.seed, residents: 20, days: 10 } : defaultCityOptions);
const count = Math.min(city.events.length, smoke ? 2_000 : 200_000);
const events = city.events.slice(0, count);
const backtestCount = Math.min(count, 5_000);
const rounds = smoke ? 2 : 9;
/** The built-in rule set with lower thresholds: it decides differently, so the tally has every kind of count. */
const candidate: RuleSet = {
  ...defaultRuleSet,
  version: 'bench-candidate',
  thresholds: { ...defaultRuleSet.thresholds, default: { review: 40, decline: 55 } },
};

function perAuthorizationUs(shadowed: boolean): number[] {
  const engine = new RiskEngine(defaultRuleSet);
  if (shadowed) engine.startShadow(candidate);
  const us: number[] = [];
  for (const event of events) {
    const startedAt = performance.now();
    engine.score(event);
    us.push((performance.now() - startedAt) * 1000);
  }
  return us;
}

function runMs(batch: readonly RiskEvent[], shadowed: boolean): number {
  const startedAt = performance.now();
  const engine = new RiskEngine(defaultRuleSet);
  if (shadowed) engine.startShadow(candidate);
  for (const event of batch) engine.score(event);
  if (shadowed && engine.shadowReport()?.decisions !== batch.length) throw new Error('the shadow saw every event');
  return performance.now() - startedAt;
}

const round = (value: number) => Math.round(value * 100) / 100;
const live = perAuthorizationUs(false);
const shadowed = perAuthorizationUs(true);
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
for (const [metric, value, floor] of [
  ['score_with_shadow_mean_us', mean(shadowed), mean(live)],
  ['score_with_shadow_p50_us', median(shadowed), median(live)],
  ['score_with_shadow_p99_us', percentile(shadowed, 99), percentile(live, 99)],
] as const) {
  emit({ bench, metric, value: round(value), unit: 'us', floor: round(floor), samples: count });
}

// Alternating rounds, so a noisy neighbour slows both alike; the median of each.
const batch = events.slice(-backtestCount);
const backtestMs: number[] = [];
const liveMs: number[] = [];
for (let index = 0; index < rounds; index++) {
  backtestMs.push(runMs(batch, true));
  liveMs.push(runMs(batch, false));
}
emit({
  bench,
  metric: 'backtest_ms',
  value: round(median(backtestMs)),
  unit: 'ms',
  floor: round(median(liveMs)),
  decisions: backtestCount,
  rounds,
});
