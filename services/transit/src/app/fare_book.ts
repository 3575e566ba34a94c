// The network, its gates and the fare schedule in force: the GTFS feed's versions followed by the versions
// operators added (in the database). Reloaded after an operator's change and by workers/fare_book_reload.ts, so
// every transit instance prices with the same rules soon after a change; a version becomes effective only from a
// later service day, so the reload delay never changes a day's fares midway.
import type { FareRules, FareSchedule } from '../domain/fare_rules.ts';
import { createFareSchedule } from '../domain/fare_schedule.ts';
import type { Network } from '../domain/network.ts';
import type { Gate, StationPosition, TransitData } from '../gtfs/feed.ts';
import type { FareRuleStore } from './transit_store.ts';

export class FareBook {
  readonly network: Network;
  readonly gates: ReadonlyMap<string, Gate>;
  /** The feed's station positions (stop_lat/stop_lon), published with each tap (bus/tap_events.ts). */
  readonly stationPositions: ReadonlyMap<string, StationPosition>;
  readonly #feed: TransitData;
  readonly #store: FareRuleStore;
  #schedule: FareSchedule;

  private constructor(feed: TransitData, store: FareRuleStore) {
    this.network = feed.network;
    this.gates = feed.gates;
    this.stationPositions = feed.stationPositions;
    this.#feed = feed;
    this.#store = store;
    this.#schedule = feed.schedule;
  }

  static async open(feed: TransitData, store: FareRuleStore): Promise<FareBook> {
    const book = new FareBook(feed, store);
    await book.reload();
    return book;
  }

  get schedule(): FareSchedule {
    return this.#schedule;
  }

  /** The feed's versions: operators' versions continue after the last of them. */
  get feedVersions(): readonly FareRules[] {
    return this.#feed.schedule.versions;
  }

  async reload(): Promise<void> {
    this.#schedule = this.withVersions(await this.#store.all());
  }

  /** The feed's schedule with operators' versions appended; throws the domain's reason if they do not fit. */
  withVersions(added: readonly FareRules[]): FareSchedule {
    const feed = this.#feed.schedule;
    return createFareSchedule(
      { currency: feed.currency, serviceDay: feed.serviceDay, versions: [...feed.versions, ...added] },
      this.network,
    );
  }
}
