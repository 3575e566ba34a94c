// The network, its gates and the fare schedule in force: the GTFS feed's versions followed by the versions
// operators added (in the database). Reloaded after an operator's change and every 30 s, so every transit
// instance prices with the same rules soon after a change; a version becomes effective only from a later
// service day, so the reload delay never changes a day's fares midway.
import type { Logger } from '@citypass/platform/log';
import type { Pool } from '@citypass/platform/pg';
import type { FareRules } from '../domain/fare_rules.ts';
import { createFareSchedule } from '../domain/fare_schedule.ts';
import type { Network } from '../domain/network.ts';
import type { FareSchedule } from '../domain/fare_rules.ts';
import type { Gate, TransitData } from '../gtfs/feed.ts';
import { fareRulesFromJson } from './fare_rules_json.ts';

export class FareBook {
  readonly network: Network;
  readonly gates: ReadonlyMap<string, Gate>;
  readonly #feed: TransitData;
  readonly #pool: Pool;
  #schedule: FareSchedule;
  #timer: NodeJS.Timeout | undefined;

  private constructor(feed: TransitData, pool: Pool) {
    this.network = feed.network;
    this.gates = feed.gates;
    this.#feed = feed;
    this.#pool = pool;
    this.#schedule = feed.schedule;
  }

  static async open(feed: TransitData, pool: Pool, logger: Logger): Promise<FareBook> {
    const book = new FareBook(feed, pool);
    await book.reload();
    book.#timer = setInterval(() => {
      book.reload().catch((error: unknown) => { logger.warn('fare rules reload failed; pricing with the last loaded rules', { error }); });
    }, 30_000);
    book.#timer.unref();
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
    const { rows } = await this.#pool.query<{ rules: unknown }>('SELECT rules FROM fare_rule_versions ORDER BY version');
    this.#schedule = this.withVersions(rows.map((row) => fareRulesFromJson(row.rules)));
  }

  /** The feed's schedule with operators' versions appended; throws the domain's reason if they do not fit. */
  withVersions(added: readonly FareRules[]): FareSchedule {
    const feed = this.#feed.schedule;
    return createFareSchedule({ currency: feed.currency, serviceDay: feed.serviceDay, versions: [...feed.versions, ...added] }, this.network);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
