import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';
import { generateCity, type GeneratedCity } from './generate.ts';
import { scenarios } from './scenarios.ts';

function digest(city: GeneratedCity): string {
  const text = JSON.stringify([city.events, city.labels], (_, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  return createHash('sha256').update(text).digest('hex');
}

test('city - the same seed gives the same events byte for byte; another seed another city', () => {
  const options = { seed: 21, residents: 400, days: 30 };
  assert.equal(digest(generateCity(options)), digest(generateCity(options)));
  assert.notEqual(digest(generateCity({ ...options, seed: 22 })), digest(generateCity(options)));
});

test('city - events are in time order, every scenario is labelled, honest events dominate', () => {
  const city = generateCity({ seed: 21, residents: 600, days: 87 });
  for (let index = 1; index < city.events.length; index += 1) {
    assert.ok((city.events[index]?.atMs ?? 0) >= (city.events[index - 1]?.atMs ?? 0), `event ${index} out of order`);
  }
  const labelled = new Set(city.labels.flatMap((label) => (label === null ? [] : [label.scenario])));
  assert.deepEqual([...labelled].sort(), [...scenarios].sort());
  const frauds = city.labels.filter((label) => label !== null).length;
  assert.ok(frauds > 0 && frauds < city.events.length * 0.05, `${frauds} of ${city.events.length}`);
  assert.ok(city.events.some((event) => event.channel === 'clinic' && event.clinicLine !== null));
});
