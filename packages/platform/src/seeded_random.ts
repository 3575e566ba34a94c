// Test support: a tiny seeded PRNG (mulberry32) so property tests are reproducible without extra libraries; a seed
// names one run. Pure: the domain property tests of every service use it.

export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A whole number from `min` to `max`, both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A bigint from `min` to `max`, both included (spans up to 2^53). */
export function randomMinor(random: Random, min: bigint, max: bigint): bigint {
  return min + BigInt(Math.floor(random() * Number(max - min + 1n)));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[randomInt(random, 0, items.length - 1)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** True with probability `chance`. */
export function chance(random: Random, probability: number): boolean {
  return random() < probability;
}
