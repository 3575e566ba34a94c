// citypass.common.v1.GeoPoint's ranges, checked once for every service that takes or reads one (identity's
// onboarding, the wallet's risk places): integer microdegrees, latitude within +-90 and longitude within +-180
// degrees.
import type { GeoPoint } from '@citypass/proto/common/v1/geo';

export const maxLatitudeMicrodegrees = 90_000_000;
export const maxLongitudeMicrodegrees = 180_000_000;

/** Whether `point` is a latitude and a longitude: integers in range. */
export function isGeoPoint(point: GeoPoint): boolean {
  const { latitudeMicrodegrees: latitude, longitudeMicrodegrees: longitude } = point;
  return (
    Number.isInteger(latitude) &&
    Number.isInteger(longitude) &&
    Math.abs(latitude) <= maxLatitudeMicrodegrees &&
    Math.abs(longitude) <= maxLongitudeMicrodegrees
  );
}

const degreesPairPattern = /^([-+]?[0-9]{1,3}(?:\.[0-9]{1,9})?),([-+]?[0-9]{1,3}(?:\.[0-9]{1,9})?)$/;

/** `<latitude>,<longitude>` in decimal degrees (spaces ignored) as a point; undefined when it is not one. */
export function geoPointFromDegrees(text: string): GeoPoint | undefined {
  const match = degreesPairPattern.exec(text.replaceAll(' ', ''));
  if (match === null) return undefined;
  const point = {
    latitudeMicrodegrees: Math.round(Number(match[1]) * 1_000_000),
    longitudeMicrodegrees: Math.round(Number(match[2]) * 1_000_000),
  };
  return isGeoPoint(point) ? point : undefined;
}
