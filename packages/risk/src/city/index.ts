// The seeded city the risk engine is evaluated on.
export { cityStartMs, defaultCityOptions, generateCity, type CityOptions, type GeneratedCity } from './generate.ts';
export { scenarios, type Label, type Scenario } from './scenarios.ts';
