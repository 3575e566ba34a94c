// Evaluates the risk engine's default rule set on the seeded city (issue 13's protocol) and prints the figures as
// JSON. Run: ./node_modules/.bin/node scripts/risk_evaluate.ts [seed] [residents]
import { generateCity, defaultCityOptions } from '@citypass/risk/city';
import { evaluate } from '@citypass/risk/evaluate';

const seed = Number(process.argv[2] ?? defaultCityOptions.seed);
const residents = Number(process.argv[3] ?? defaultCityOptions.residents);
const city = generateCity({ ...defaultCityOptions, seed, residents });
const evaluation = evaluate(city);
const round = (value: number) => Math.round(value * 10_000) / 10_000;
process.stdout.write(
  `${JSON.stringify(evaluation, (_, value: unknown) => (typeof value === 'number' ? round(value) : value), 2)}\n`,
);
