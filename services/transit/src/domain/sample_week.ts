// The fixed sample commuter week a fare preview prices when transit recorded no taps in the last 7 days (a new
// network, a test city). One commuter per concession class, each riding the same week, Monday 2025-01-06 to
// Sunday 2025-01-12 (a calendar week, so weekly caps of either period see all of it):
//   Monday to Friday: work at 08:00 (home -> work), back at 17:30 (work -> home), 25 minutes each way;
//   Saturday: to work's station and back at 11:00 and 15:00 (the same pair of stations); Sunday: no travel.
// Times are the network's local wall clock. "Work" is the first station (by id) that lies only in the network's
// lowest zone; "home" the first station (by id) that lies only in the next zone, or, in a one-zone network, the
// second station of the lowest zone (or work itself when the network has one station). In the Aurelia feed that
// is Central (zone 1) and Market (zone 2): 12 journeys of zones 1-2, e.g. 42.00 EUR for an adult at 3.50 each.
// Pure: the same network and service day always give the same taps.
import type { Network, Station } from './network.ts';
import { localWallClockMs, msPerDay, msPerMinute, parseServiceDate, type ServiceDayRule } from './service_day.ts';
import type { Tap } from './tap.ts';

export const sampleWeekFirstDate = '2025-01-06';
export const sampleWeekLastDate = '2025-01-12';

/** [day of the week (0 = Monday), local minutes after midnight, from, to] for each journey of the week. */
const trips: readonly (readonly [number, number, 'home' | 'work', 'home' | 'work'])[] = [
  ...[0, 1, 2, 3, 4].flatMap((day) => [
    [day, 8 * 60, 'home', 'work'] as const,
    [day, 17 * 60 + 30, 'work', 'home'] as const,
  ]),
  [5, 11 * 60, 'home', 'work'],
  [5, 15 * 60, 'work', 'home'],
];
const rideMinutes = 25;

/** The sample week's taps (one commuter's), and the instant after the week at which it is priced. */
export function sampleWeek(network: Network, serviceDay: ServiceDayRule): { taps: Tap[]; asOfMs: number } {
  const stations = sampleStations(network);
  const monday = parseServiceDate(sampleWeekFirstDate, 'sampleWeekFirstDate');
  const taps: Tap[] = [];
  for (const [index, [day, minute, from, to]] of trips.entries()) {
    const startMs = instantOfLocal((monday + day) * msPerDay + minute * msPerMinute, serviceDay);
    taps.push(
      { id: `sample-${index}-in`, stationId: stations[from].id, direction: 'in', atMs: startMs },
      {
        id: `sample-${index}-out`,
        stationId: stations[to].id,
        direction: 'out',
        atMs: startMs + rideMinutes * msPerMinute,
      },
    );
  }
  const asOfMs = instantOfLocal((monday + 7) * msPerDay + 12 * 60 * msPerMinute, serviceDay);
  return { taps, asOfMs };
}

function sampleStations(network: Network): { home: Station; work: Station } {
  const byId = [...network.stations.values()].sort((first, second) => (first.id < second.id ? -1 : 1));
  const onlyIn = (zone: number | undefined): Station[] =>
    byId.filter((station) => station.zones.length === 1 && station.zones[0] === zone);
  const lowest = network.zones[0];
  const first = byId[0];
  if (first === undefined) throw new Error('a network has at least one station');
  const work = onlyIn(lowest)[0] ?? first;
  const home = onlyIn(network.zones[1])[0] ?? byId.find((station) => station !== work) ?? work;
  return { home, work };
}

/** The instant at which the network's clock reads `localMs` (the local wall clock written as if it were UTC). */
function instantOfLocal(localMs: number, serviceDay: ServiceDayRule): number {
  const offsetMs = localWallClockMs(localMs, serviceDay.timeZone) - localMs;
  return localMs - offsetMs;
}
