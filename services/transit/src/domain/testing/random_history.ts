// Test support: random tap histories for property tests. Mostly proper in/out pairs, sometimes a missing tap, with
// gaps that often land exactly on the transfer window or the journey time limit; and a random arrival order.
import { sampleNetwork } from '../sample_city.ts';
import type { Tap } from '../tap.ts';
import { local } from './fixtures.ts';
import { pick, randomInt, type Random } from '@citypass/platform/seeded_random';

const minuteMs = 60_000;
const stationIds = [...sampleNetwork.stations.keys()];

/** After a tap-in: a ride (sometimes exactly the time limit, sometimes far too long); after a tap-out: a pause. */
function gapMs(random: Random, after: Tap['direction']): number {
  const roll = random();
  if (after === 'in') {
    if (roll < 0.1) return 120 * minuteMs;
    if (roll < 0.9) return randomInt(random, 3, 70) * minuteMs + randomInt(random, 0, minuteMs - 1);
    return randomInt(random, 121, 8 * 60) * minuteMs;
  }
  if (roll < 0.1) return 30 * minuteMs;
  if (roll < 0.5) return randomInt(random, 1, 45) * minuteMs;
  if (roll < 0.9) return randomInt(random, 60, 8 * 60) * minuteMs + randomInt(random, 0, minuteMs - 1);
  return randomInt(random, 10 * 60, 40 * 60) * minuteMs;
}

export function randomHistory(random: Random, count: number): Tap[] {
  const history: Tap[] = [];
  let atMs = local('2025-03-03 05:00') + randomInt(random, 0, 3 * 60) * minuteMs;
  let direction: Tap['direction'] = random() < 0.9 ? 'in' : 'out';
  for (let index = 0; index < count; index += 1) {
    history.push({ id: `t${index}`, stationId: pick(random, stationIds), direction, atMs });
    atMs += gapMs(random, direction);
    const alternate = random() < 0.88;
    direction = alternate === (direction === 'in') ? 'out' : 'in';
  }
  return history;
}

export interface Arrival {
  readonly tap: Tap;
  /** When the tap reaches the back office: at once, or late from an offline gate. */
  readonly arrivedAtMs: number;
}

/** Arrival order, then cut into 1-8 batches. */
export function randomBatches(random: Random, history: readonly Tap[]): Arrival[][] {
  const arrivals = history
    .map((tap) => ({
      tap,
      arrivedAtMs: tap.atMs + (random() < 0.2 ? randomInt(random, 0, 2 * 24 * 60) * minuteMs : 0),
    }))
    .sort((first, second) => first.arrivedAtMs - second.arrivedAtMs);
  const batchCount = randomInt(random, 1, 8);
  const cuts = Array.from({ length: batchCount - 1 }, () => randomInt(random, 0, arrivals.length)).sort(
    (a, b) => a - b,
  );
  const batches: Arrival[][] = [];
  let start = 0;
  for (const cut of [...cuts, arrivals.length]) {
    batches.push(arrivals.slice(start, cut));
    start = cut;
  }
  return batches;
}
