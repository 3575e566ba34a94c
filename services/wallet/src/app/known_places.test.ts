import assert from 'node:assert/strict';
import { test } from 'node:test';
import { riskPlaces } from '../domain/risk_places.ts';
import { KnownPlaces, maxLearnedPlaces } from './known_places.ts';

const origin = { latitudeDegrees: 44.33, longitudeDegrees: 8.85 };
const central = { latitudeMicrodegrees: 44_410_000, longitudeMicrodegrees: 8_930_000 };

test('known places - a learned position places a station; a WALLET_RISK_PLACES entry wins over it', () => {
  const places = new KnownPlaces(riskPlaces('station:harbour=1/2,merchant:kiosk=25/0'), origin);
  assert.equal(places.placesTaps, true);
  assert.equal(places.station('central'), undefined);
  assert.equal(places.learnStation('central', central), true);
  assert.ok(Math.abs((places.station('central')?.yKm ?? 0) - 8.895) < 0.01);
  places.learnStation('harbour', central);
  assert.deepEqual(places.station('harbour'), { xKm: 1, yKm: 2 }, 'the entry wins');
  places.learnMerchant('kiosk', central);
  assert.deepEqual(places.merchant('kiosk'), { xKm: 25, yKm: 0 });
  assert.equal(places.merchant('central'), undefined, 'stations and merchants are apart');
});

test('known places - without WALLET_RISK_ORIGIN nothing is learned; with neither, taps are not followed', () => {
  const places = new KnownPlaces(riskPlaces(''), undefined);
  assert.equal(places.placesTaps, false);
  assert.equal(places.learnStation('central', central), false);
  assert.equal(places.station('central'), undefined);
  assert.equal(new KnownPlaces(riskPlaces('station:central=0/0'), undefined).placesTaps, true);
});

test('known places - at most maxLearnedPlaces stations are learned; a known one still moves', () => {
  const places = new KnownPlaces(riskPlaces(''), origin);
  for (let index = 0; index < maxLearnedPlaces; index++) assert.ok(places.learnStation(`s${index}`, central));
  assert.equal(places.learnStation('one-more', central), false);
  const moved = { latitudeMicrodegrees: 44_420_000, longitudeMicrodegrees: 8_930_000 };
  assert.equal(places.learnStation('s0', moved), true);
  assert.ok(Math.abs((places.station('s0')?.yKm ?? 0) - 10.0075) < 0.001);
});
