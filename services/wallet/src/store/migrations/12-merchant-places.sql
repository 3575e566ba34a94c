-- Where onboarded services' counters are (identity's ServiceOnboarded.location), for the risk engine's travel
-- checks: written by the identity consumer, read by every wallet instance at start and every
-- merchantPlacesReloadMs (app/merchant_places.ts). Integer microdegrees, as citypass.common.v1.GeoPoint.
CREATE TABLE merchant_places (
  service text PRIMARY KEY CHECK (length(service) BETWEEN 1 AND 128),
  latitude_microdegrees integer NOT NULL CHECK (latitude_microdegrees BETWEEN -90000000 AND 90000000),
  longitude_microdegrees integer NOT NULL CHECK (longitude_microdegrees BETWEEN -180000000 AND 180000000),
  placed_at timestamptz NOT NULL DEFAULT now()
);
