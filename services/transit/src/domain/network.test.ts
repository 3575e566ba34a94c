import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNetwork, type Station } from './network.ts';
import { sampleFareRules, sampleNetwork, sampleSchedule } from './sample_city.ts';
import { refusal } from './testing/fixtures.ts';
import { zoneFareMinor } from './zone_fare.ts';

const station = (id: string): Station => {
  const found = sampleNetwork.stations.get(id);
  assert.ok(found !== undefined);
  return found;
};

test('fares - a station in two zones is priced from the zone that gives the cheaper fare', () => {
  // Riverside is in zones 1 and 2: to Market (2) it is a 2-2 fare, to Central (1) a 1-1 fare.
  assert.equal(zoneFareMinor(sampleFareRules, station('riverside'), station('market'), 'adult'), 200n);
  assert.equal(zoneFareMinor(sampleFareRules, station('riverside'), station('central'), 'adult'), 290n);
  // Hillcrest (2, 3) to Riverside (1, 2): 2-2.
  assert.equal(zoneFareMinor(sampleFareRules, station('hillcrest'), station('riverside'), 'adult'), 200n);
  // Fares are the same in both directions.
  assert.equal(zoneFareMinor(sampleFareRules, station('airport'), station('central'), 'adult'), 480n);
  assert.equal(zoneFareMinor(sampleFareRules, station('central'), station('airport'), 'senior'), 240n);
});

test('fares - a network refuses duplicate stations, bad zones and lines through unknown stations', () => {
  const central = { id: 'central', name: 'Central', zones: [1] };
  assert.equal(
    refusal(() => createNetwork({ stations: [] })),
    'invalid_argument:NETWORK_SIZE_INVALID',
  );
  assert.equal(
    refusal(() => createNetwork({ stations: [central, central] })),
    'invalid_argument:STATION_DUPLICATE',
  );
  assert.equal(
    refusal(() => createNetwork({ stations: [{ ...central, zones: [] }] })),
    'invalid_argument:STATION_ZONES_INVALID',
  );
  assert.equal(
    refusal(() => createNetwork({ stations: [{ ...central, zones: [1, 2, 3] }] })),
    'invalid_argument:STATION_ZONES_INVALID',
  );
  assert.equal(
    refusal(() => createNetwork({ stations: [{ ...central, zones: [0] }] })),
    'invalid_argument:STATION_ZONES_INVALID',
  );
  assert.equal(
    refusal(() => createNetwork({ stations: [{ ...central, zones: [1.5] }] })),
    'invalid_argument:STATION_ZONES_INVALID',
  );
  assert.equal(
    refusal(() => createNetwork({ stations: [{ ...central, id: 'bad id' }] })),
    'invalid_argument:STATION_ID_INVALID',
  );
  assert.equal(
    refusal(() => createNetwork({ stations: [{ ...central, name: ' ' }] })),
    'invalid_argument:STATION_NAME_INVALID',
  );
  const line = { id: 'red', name: 'Red', stationIds: ['central', 'nowhere'] };
  assert.equal(
    refusal(() => createNetwork({ stations: [central], lines: [line] })),
    'invalid_argument:LINE_STATION_UNKNOWN',
  );
  assert.equal(
    refusal(() => createNetwork({ stations: [central], lines: [{ ...line, stationIds: ['central'] }] })),
    'ok',
  );
});

test('fares - the sample city has 3 zones, 10 stations, 2 lines and prices in EUR', () => {
  assert.deepEqual(sampleNetwork.zones, [1, 2, 3]);
  assert.equal(sampleNetwork.stations.size, 10);
  assert.equal(sampleNetwork.lines.size, 2);
  assert.equal(sampleSchedule.currency, 'EUR');
});
