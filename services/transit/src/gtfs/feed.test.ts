import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sampleNetwork, sampleSchedule } from '../domain/sample_city.ts';
import { parseGtfsFeed } from './feed.ts';
import { loadGtfsFeed } from './load_feed.ts';
import { aureliaFeedDirectory, aureliaFeedFiles } from './sample_feed.ts';
import { maxFileBytes } from './table.ts';
import { transitReasons } from '@citypass/contracts';

function edited(fileName: string, from: string, to: string): Map<string, string> {
  const files = aureliaFeedFiles();
  const text = files.get(fileName) ?? '';
  assert.ok(text.includes(from), `${fileName} holds ${from}`);
  files.set(fileName, text.replaceAll(from, to));
  return files;
}

test('gtfs feed - the shipped Aurelia feed is exactly the sample city, with two gates per station', async () => {
  const data = await loadGtfsFeed(aureliaFeedDirectory);
  assert.deepStrictEqual(data.network, sampleNetwork);
  assert.deepStrictEqual(data.schedule, sampleSchedule);
  assert.equal(data.timeZone, 'Europe/Berlin');
  assert.equal(data.gates.size, 20);
  for (const stationId of sampleNetwork.stations.keys()) {
    for (const gateId of [`${stationId}-g1`, `${stationId}-g2`])
      assert.equal(data.gates.get(gateId)?.stationId, stationId, gateId);
  }
  assert.deepEqual(data.gates.get('old-town-g2'), {
    id: 'old-town-g2',
    stationId: 'old-town',
    name: 'Old Town gate 2',
  });
});

test("gtfs feed - a station's stop_lat/stop_lon is its position in microdegrees; a feed without them has none", () => {
  const { stationPositions } = parseGtfsFeed(aureliaFeedFiles());
  assert.equal(stationPositions.size, sampleNetwork.stations.size, 'every Aurelia station is placed');
  assert.deepEqual(stationPositions.get('central'), {
    latitudeMicrodegrees: 44_410_000,
    longitudeMicrodegrees: 8_930_000,
  });
  assert.deepEqual(stationPositions.get('harbour'), {
    latitudeMicrodegrees: 44_406_403,
    longitudeMicrodegrees: 8_892_232,
  });
  const unplaced = edited('stops.txt', 'central,Central,1,,44.410000,8.930000', 'central,Central,1,,,');
  assert.equal(parseGtfsFeed(unplaced).stationPositions.has('central'), false);
  const bare = aureliaFeedFiles();
  bare.set('stops.txt', (bare.get('stops.txt') ?? '').replaceAll(/,[^,\r\n]*,[^,\r\n]*\r\n/g, '\r\n'));
  assert.ok(bare.get('stops.txt')?.startsWith('stop_id,stop_name,location_type,parent_station\r\n'));
  assert.equal(parseGtfsFeed(bare).stationPositions.size, 0);
  // The southern and western edges are latitudes and longitudes; past them is refused (feed_errors.test.ts).
  const edge = edited('stops.txt', 'central,Central,1,,44.410000,8.930000', 'central,Central,1,,-90,-180.000000');
  assert.deepEqual(parseGtfsFeed(edge).stationPositions.get('central'), {
    latitudeMicrodegrees: -90_000_000,
    longitudeMicrodegrees: -180_000_000,
  });
});

test('gtfs feed - LF line ends and a byte order mark read the same as CRLF', () => {
  const files = new Map(
    [...aureliaFeedFiles()].map(([fileName, text]) => [fileName, `\uFEFF${text.replaceAll('\r\n', '\n')}`]),
  );
  files.set('citypass_fare_rules.json', aureliaFeedFiles().get('citypass_fare_rules.json') ?? '');
  assert.deepStrictEqual(parseGtfsFeed(files).schedule, sampleSchedule);
});

test('gtfs feed - without routes, trips and stop_times the network has stations and no lines', () => {
  const files = aureliaFeedFiles();
  for (const fileName of ['routes.txt', 'trips.txt', 'stop_times.txt']) files.delete(fileName);
  const { network } = parseGtfsFeed(files);
  assert.deepStrictEqual(network.stations, sampleNetwork.stations);
  assert.equal(network.lines.size, 0);
});

test('gtfs feed - a line follows the first trip of its route, platforms mapped to stations', () => {
  const files = edited(
    'trips.txt',
    'red,daily,red-out-0600,0\r\nred,daily,red-back-0600,1',
    'red,daily,red-back-0600,1\r\nred,daily,red-out-0600,0',
  );
  const red = parseGtfsFeed(files).network.lines.get('red');
  assert.deepEqual(red?.stationIds, ['airport', 'hillcrest', 'market', 'riverside', 'central', 'harbour']);
  const byStation = edited('stop_times.txt', 'harbour-red,1', 'harbour,1');
  assert.deepEqual(parseGtfsFeed(byStation).network.lines.get('red')?.stationIds[0], 'harbour');
});

test('gtfs feed - stop_times are ordered by stop_sequence, not by file order', () => {
  const files = edited('stop_times.txt', 'harbour-red,1', 'harbour-red,99');
  assert.deepEqual(parseGtfsFeed(files).network.lines.get('red')?.stationIds, [
    'central',
    'riverside',
    'market',
    'hillcrest',
    'airport',
    'harbour',
  ]);
});

test('gtfs feed - a route without a long name is named by its short name', () => {
  const files = edited('routes.txt', 'Blue,Blue line', 'Blue,');
  assert.equal(parseGtfsFeed(files).network.lines.get('blue')?.name, 'Blue');
});

test('gtfs feed - a fare leg rule written from the higher zone prices the same pair', () => {
  const files = edited('fare_leg_rules.txt', 'zone-1,zone-3,', 'zone-3,zone-1,');
  assert.deepStrictEqual(parseGtfsFeed(files).schedule, sampleSchedule);
});

test('gtfs feed - a zone set through a platform counts for its station', () => {
  const files = edited('stop_areas.txt', 'zone-3,airport\r\n', 'zone-3,airport-red\r\n');
  assert.deepStrictEqual(parseGtfsFeed(files).network, sampleNetwork);
});

test('gtfs feed - a fare product row without a rider category prices every category', () => {
  const files = aureliaFeedFiles();
  const products = (files.get('fare_products.txt') ?? '').split('\r\n').filter((row) => !row.startsWith('zones-3-3,'));
  files.set('fare_products.txt', [...products, 'zones-3-3,Zone 3,,2.00,EUR', ''].join('\r\n'));
  // Children travel free in Aurelia, so their maximum fare must rise to cover the new 2.00.
  const childRules = '"child": { "daily_cap": "0.00", "weekly_cap": "0.00", "max_fare": "0.00"';
  files.set(
    'citypass_fare_rules.json',
    (files.get('citypass_fare_rules.json') ?? '').replace(
      childRules,
      childRules.replace('"max_fare": "0.00"', '"max_fare": "2.00"'),
    ),
  );
  const fare = parseGtfsFeed(files).schedule.versions[0]?.zoneFares.find(
    (entry) => entry.fromZone === 3 && entry.toZone === 3,
  );
  assert.deepEqual(fare?.fareMinor, { adult: 200n, child: 200n, senior: 200n, student: 200n });
});

test('gtfs load - a missing directory, a file over the size limit and invalid UTF-8 are refused', async () => {
  await assert.rejects(loadGtfsFeed(join(tmpdir(), 'citypass-no-such-feed')), {
    reason: transitReasons.GTFS_FILE_MISSING,
    message: /^agency\.txt: /,
  });
  const directory = await mkdtemp(join(tmpdir(), 'citypass-gtfs-'));
  try {
    for (const [fileName, text] of aureliaFeedFiles()) await writeFile(join(directory, fileName), text);
    await writeFile(join(directory, 'stops.txt'), Buffer.alloc(maxFileBytes + 1, 'a'));
    await assert.rejects(loadGtfsFeed(directory), {
      kind: 'invalid_argument',
      reason: transitReasons.GTFS_FILE_TOO_LARGE,
      message: /^stops\.txt: a file of 10485761 bytes/,
    });
    await writeFile(join(directory, 'stops.txt'), Buffer.from([0x73, 0x74, 0xff, 0x0a]));
    await assert.rejects(loadGtfsFeed(directory), {
      kind: 'invalid_argument',
      reason: transitReasons.GTFS_ENCODING_INVALID,
      message: /^stops\.txt: /,
    });
  } finally {
    await rm(directory, { recursive: true });
  }
});
