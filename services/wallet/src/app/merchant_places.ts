// Merchants placed at onboarding: identity's ServiceOnboarded carries where a service's counter is (its location,
// given by the operator who onboarded it); the identity consumer (bus/identity_consumer.ts) stores it and places
// the merchant in this instance's risk places at once. Events are consumed by one instance (a durable consumer), so
// every instance also reads the stored places at start and every merchantPlacesReloadMs: another instance places a
// merchant onboarded elsewhere within that. A WALLET_RISK_PLACES entry still wins (known_places.ts).
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { GeoPoint } from '../domain/local_projection.ts';
import { maxLearnedPlaces, type KnownPlaces } from './known_places.ts';

export interface MerchantPlace {
  readonly service: string;
  readonly point: GeoPoint;
}

export interface MerchantPlaceStore {
  /** Stores where `service`'s counter is (again: the same place, or the newer one). */
  put(place: MerchantPlace): Promise<void>;
  /** The stored places, at most `limit`. */
  all(limit: number): Promise<MerchantPlace[]>;
}

export const merchantPlacesReloadMs = 30_000;

/** Places every stored merchant; the number placed. */
export async function loadMerchantPlaces(store: MerchantPlaceStore, places: KnownPlaces): Promise<number> {
  let placed = 0;
  for (const { service, point } of await store.all(maxLearnedPlaces))
    if (places.learnMerchant(service, point)) placed++;
  return placed;
}

/** Reads the stored places every merchantPlacesReloadMs (the first read is the caller's, at start). */
export function startMerchantPlacesReload(store: MerchantPlaceStore, places: KnownPlaces, logger: Logger): PeriodicJob {
  return runPeriodically({ name: 'merchant places reload', intervalMs: merchantPlacesReloadMs, logger }, async () => {
    await loadMerchantPlaces(store, places);
  });
}
