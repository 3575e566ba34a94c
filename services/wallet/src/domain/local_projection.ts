// Positions on the Earth (microdegrees, as transit's feed gives its stations and onboarding a merchant's counter)
// turned into the risk engine's frame: kilometres east and north of the city's south-west corner (WALLET_RISK_ORIGIN,
// the corner WALLET_RISK_PLACES measures from too), by an equirectangular projection around that corner: north is
// the latitude difference times the Earth's mean radius, east the longitude difference times the radius times the
// cosine of the corner's latitude. Inside a city that is exact enough for travel speeds: the scale drifts with the
// cosine, under 1 % across 50 km at mid latitudes (the engine compares km per hour against hundreds). The origin is
// configured rather than derived from the first position seen, so every instance and every restart (whose stored
// decisions keep their places in km) uses one frame. Pure.
import { geoPointFromDegrees, isGeoPoint } from '@citypass/contracts';
import type { Place } from '@citypass/risk';
import { maxPlaceKm } from './risk_places.ts';

/** A point in microdegrees (citypass.common.v1.GeoPoint). */
export interface GeoPoint {
  readonly latitudeMicrodegrees: number;
  readonly longitudeMicrodegrees: number;
}

/** The city's south-west corner, in degrees. */
export interface Origin {
  readonly latitudeDegrees: number;
  readonly longitudeDegrees: number;
}

export const earthRadiusKm = 6_371.0088;
const kmPerDegree = (earthRadiusKm * Math.PI) / 180;

/** `point` in km east and north of `origin`; undefined when it is no point or lies outside 0-maxPlaceKm. */
export function projectOnto(origin: Origin, point: GeoPoint): Place | undefined {
  if (!isGeoPoint(point)) return undefined;
  // The shorter way round in longitude, so a city across the antimeridian stays one piece.
  const eastDegrees = ((((point.longitudeMicrodegrees / 1e6 - origin.longitudeDegrees) % 360) + 540) % 360) - 180;
  const place = {
    xKm: eastDegrees * kmPerDegree * Math.cos((origin.latitudeDegrees * Math.PI) / 180),
    yKm: (point.latitudeMicrodegrees / 1e6 - origin.latitudeDegrees) * kmPerDegree,
  };
  const inFrame = (km: number): boolean => km >= 0 && km <= maxPlaceKm;
  return inFrame(place.xKm) && inFrame(place.yKm) ? place : undefined;
}

/** Why WALLET_RISK_ORIGIN does not read; empty when it does (or is empty: no origin). */
export function originProblems(text: string): string[] {
  if (text.trim() === '' || originOf(text) !== undefined) return [];
  return [
    `WALLET_RISK_ORIGIN: ${JSON.stringify(text)} is not <latitude>,<longitude> in decimal degrees (-90 to 90, -180 to 180)`,
  ];
}

/** WALLET_RISK_ORIGIN read; undefined when empty (positions are then not used) or malformed (originProblems). */
export function originOf(text: string): Origin | undefined {
  const point = geoPointFromDegrees(text);
  return point === undefined
    ? undefined
    : { latitudeDegrees: point.latitudeMicrodegrees / 1e6, longitudeDegrees: point.longitudeMicrodegrees / 1e6 };
}
