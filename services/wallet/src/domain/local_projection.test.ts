import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadWalletConfig } from '../config.ts';
import { originOf, originProblems, projectOnto } from './local_projection.ts';

const aurelia = { latitudeDegrees: 44.33, longitudeDegrees: 8.85 };

test('local projection - north is the latitude difference, east shrinks with the cosine of the latitude', () => {
  const north = projectOnto(aurelia, { latitudeMicrodegrees: 44_420_000, longitudeMicrodegrees: 8_850_000 });
  assert.ok(north);
  assert.equal(north.xKm, 0);
  assert.ok(Math.abs(north.yKm - 10.0075) < 0.001, `0.09 degrees north is 10.0 km (${north.yKm})`);
  const east = projectOnto(aurelia, { latitudeMicrodegrees: 44_330_000, longitudeMicrodegrees: 8_950_000 });
  assert.ok(Math.abs((east?.xKm ?? 0) - 7.9536) < 0.001, `0.1 degrees east is 7.95 km at 44.33 N (${east?.xKm})`);
  assert.deepEqual(projectOnto(aurelia, { latitudeMicrodegrees: 44_330_000, longitudeMicrodegrees: 8_850_000 }), {
    xKm: 0,
    yKm: 0,
  });
});

test('local projection - a point south or west of the origin, past 1,000 km, or not a point is not placed', () => {
  assert.equal(projectOnto(aurelia, { latitudeMicrodegrees: 44_329_999, longitudeMicrodegrees: 8_900_000 }), undefined);
  assert.equal(projectOnto(aurelia, { latitudeMicrodegrees: 44_400_000, longitudeMicrodegrees: 8_849_999 }), undefined);
  assert.equal(projectOnto(aurelia, { latitudeMicrodegrees: 53_400_000, longitudeMicrodegrees: 8_900_000 }), undefined);
  assert.equal(projectOnto(aurelia, { latitudeMicrodegrees: 91_000_000, longitudeMicrodegrees: 8_900_000 }), undefined);
  assert.equal(
    projectOnto(aurelia, { latitudeMicrodegrees: 44_400_000.5, longitudeMicrodegrees: 8_900_000 }),
    undefined,
  );
});

test('local projection - a city across the antimeridian stays one piece', () => {
  const fiji = { latitudeDegrees: -18, longitudeDegrees: 179.9 };
  const place = projectOnto(fiji, { latitudeMicrodegrees: -17_990_000, longitudeMicrodegrees: -179_950_000 });
  assert.ok(place !== undefined && place.xKm > 15 && place.xKm < 17, JSON.stringify(place));
});

test('local projection - WALLET_RISK_ORIGIN reads as <latitude>,<longitude>; anything else is a config problem', () => {
  assert.deepEqual(originOf('44.33,8.85'), aurelia);
  assert.deepEqual(originOf(' -33.9, 18.4 '), { latitudeDegrees: -33.9, longitudeDegrees: 18.4 });
  assert.equal(originOf(''), undefined);
  assert.deepEqual(originProblems(''), []);
  assert.deepEqual(originProblems('90,180'), []);
  for (const bad of ['91,8', '44,181', '44;8', '44', 'N44,E8'])
    assert.match(originProblems(bad)[0] ?? '', /^WALLET_RISK_ORIGIN: .* is not <latitude>,<longitude>/, bad);
  assert.throws(() => loadWalletConfig({ WALLET_RISK_ORIGIN: '44.3,190' }), /WALLET_RISK_ORIGIN/);
});
