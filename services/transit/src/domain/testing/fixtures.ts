// Test support: taps written as local times in the sample city (winter time, UTC+01:00), schedule variants, and
// the kind:reason of a refused call.
import { DomainError } from '@citypass/platform/errors';
import type { ConcessionClass } from '../concession.ts';
import type { FareRules, FareSchedule } from '../fare_rules.ts';
import { createFareSchedule } from '../fare_schedule.ts';
import { sampleFareRules, sampleNetwork, sampleSchedule } from '../sample_city.ts';
import { computeStatement, type Statement } from '../statement.ts';
import type { Tap, TapDirection } from '../tap.ts';

/** '2025-03-03 08:00' (or with seconds and milliseconds) in Aurelia's winter time. */
export function local(dateTime: string): number {
  const atMs = Date.parse(`${dateTime.replace(' ', 'T')}+01:00`);
  if (Number.isNaN(atMs)) throw new Error(`bad local time ${dateTime}`);
  return atMs;
}

export type TapSpec = readonly [TapDirection, string, string];

/** Taps t1, t2, ... from [direction, station, local time] triples. */
export function taps(specs: readonly TapSpec[], idPrefix = 't'): Tap[] {
  return specs.map(([direction, stationId, at], index) => ({
    id: `${idPrefix}${index + 1}`,
    stationId,
    direction,
    atMs: local(at),
  }));
}

/** A tap-in and a tap-out on one date. */
export function trip(from: string, to: string, date: string, start: string, end: string): TapSpec[] {
  return [
    ['in', from, `${date} ${start}`],
    ['out', to, `${date} ${end}`],
  ];
}

export function scheduleWith(overrides: Partial<FareRules>): FareSchedule {
  return createFareSchedule({ ...sampleSchedule, versions: [{ ...sampleFareRules, ...overrides }] }, sampleNetwork);
}

export function statementOf(
  tapList: readonly Tap[],
  asOf: string,
  options: { schedule?: FareSchedule; concession?: ConcessionClass } = {},
): Statement {
  return computeStatement({
    schedule: options.schedule ?? sampleSchedule,
    network: sampleNetwork,
    concession: options.concession ?? 'adult',
    taps: tapList,
    asOfMs: local(asOf),
  });
}

/** `kind:REASON` of the DomainError a call throws, or 'ok'. */
export function refusal(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}:${error.reason}`;
    throw error;
  }
}
