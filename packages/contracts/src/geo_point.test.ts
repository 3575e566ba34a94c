import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geoPointFromDegrees, isGeoPoint } from './geo_point.ts';

test('geo point - integer microdegrees within +-90 and +-180 degrees, the edges included', () => {
  assert.equal(isGeoPoint({ latitudeMicrodegrees: 90_000_000, longitudeMicrodegrees: -180_000_000 }), true);
  assert.equal(isGeoPoint({ latitudeMicrodegrees: 44_410_000, longitudeMicrodegrees: 8_930_000 }), true);
  assert.equal(isGeoPoint({ latitudeMicrodegrees: 90_000_001, longitudeMicrodegrees: 0 }), false);
  assert.equal(isGeoPoint({ latitudeMicrodegrees: 0, longitudeMicrodegrees: -180_000_001 }), false);
  assert.equal(isGeoPoint({ latitudeMicrodegrees: 0.5, longitudeMicrodegrees: 0 }), false);
});

test('geo point - read from <latitude>,<longitude> in decimal degrees, and nothing else', () => {
  assert.deepEqual(geoPointFromDegrees('44.41, 8.93'), {
    latitudeMicrodegrees: 44_410_000,
    longitudeMicrodegrees: 8_930_000,
  });
  assert.deepEqual(geoPointFromDegrees('-33.9249,18.4241'), {
    latitudeMicrodegrees: -33_924_900,
    longitudeMicrodegrees: 18_424_100,
  });
  for (const bad of ['', '91,8', '44,181', '44;8', '44', 'N44,E8', '44,8,1'])
    assert.equal(geoPointFromDegrees(bad), undefined, bad);
});
