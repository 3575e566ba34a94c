import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@citypass/platform/config';
import { loadWalletConfig } from '../config.ts';
import { riskPlaces, riskPlacesProblems } from './risk_places.ts';

test('risk places - stations and merchants read in kilometres', () => {
  const places = riskPlaces(' station:central=0/0, station:old-town=2.5/10,merchant:kiosk=25/0.75,');
  assert.deepEqual(places.stations.get('central'), { xKm: 0, yKm: 0 });
  assert.deepEqual(places.stations.get('old-town'), { xKm: 2.5, yKm: 10 });
  assert.deepEqual(places.merchants.get('kiosk'), { xKm: 25, yKm: 0.75 });
  assert.equal(places.stations.has('kiosk'), false);
  assert.equal(riskPlaces('').stations.size, 0);
});

test('risk places - every malformed entry is reported, at the edge of the range too', () => {
  assert.deepEqual(riskPlacesProblems('station:a=1000/1000'), []);
  const problems = riskPlacesProblems(
    'shop:a=1/1,station:b=1,station:c=-1/2,station:d=1000.5/0,station:a=1/1,station:a=2/2',
  );
  assert.equal(problems.length, 5);
  assert.ok(problems[0]?.includes('"shop:a=1/1"'));
  assert.ok(problems[4]?.includes('station:a is placed twice'));
  assert.throws(
    () => loadWalletConfig({ WALLET_RISK_PLACES: 'station:x=1/y' }),
    (error: unknown) => error instanceof ConfigError && error.message.includes('"station:x=1/y"'),
  );
});
