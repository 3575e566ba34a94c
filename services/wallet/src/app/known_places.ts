// Where stations and merchants are for the risk engine's travel checks, from two sources: WALLET_RISK_PLACES (an
// operator's km entries) and positions learned from the data, projected onto the same frame (local_projection.ts):
// each of transit's tap events carries its station's GTFS position (workers/tap_follower.ts learns it), and a
// service onboarded with its counter's location is placed there (merchant_places.ts). An entry in
// WALLET_RISK_PLACES wins over a learned position: it is the operator's correction of the data. Without
// WALLET_RISK_ORIGIN learned positions cannot be placed and only the entries count. Bounded: at most
// maxLearnedPlaces learned of each kind (a city's stations and counters, not every id a stream can make up).
import type { Place } from '@citypass/risk';
import { projectOnto, type GeoPoint, type Origin } from '../domain/local_projection.ts';
import type { RiskPlaces } from '../domain/risk_places.ts';

export const maxLearnedPlaces = 10_000;

export class KnownPlaces {
  readonly #configured: RiskPlaces;
  readonly #origin: Origin | undefined;
  readonly #stations = new Map<string, Place>();
  readonly #merchants = new Map<string, Place>();

  constructor(configured: RiskPlaces, origin: Origin | undefined) {
    this.#configured = configured;
    this.#origin = origin;
  }

  /** Whether a tap can be placed at all: a station entry, or an origin to project the taps' positions with. */
  get placesTaps(): boolean {
    return this.#configured.stations.size > 0 || this.#origin !== undefined;
  }

  station(stationId: string): Place | undefined {
    return this.#configured.stations.get(stationId) ?? this.#stations.get(stationId);
  }

  merchant(service: string): Place | undefined {
    return this.#configured.merchants.get(service) ?? this.#merchants.get(service);
  }

  /** Learns where a station is (its latest position wins); false when it cannot be placed (no origin, off the frame). */
  learnStation(stationId: string, point: GeoPoint): boolean {
    return this.#learn(this.#stations, stationId, point);
  }

  learnMerchant(service: string, point: GeoPoint): boolean {
    return this.#learn(this.#merchants, service, point);
  }

  #learn(places: Map<string, Place>, id: string, point: GeoPoint): boolean {
    const place = this.#origin === undefined ? undefined : projectOnto(this.#origin, point);
    if (place === undefined) return false;
    if (!places.has(id) && places.size >= maxLearnedPlaces) return false;
    places.set(id, place);
    return true;
  }
}
