import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxStations } from '../domain/network.ts';
import { refusal } from '../domain/testing/fixtures.ts';
import { parseGtfsFeed } from './feed.ts';
import { aureliaFeedFiles } from './sample_feed.ts';
import { maxFileBytes } from './table.ts';

type Files = Map<string, string>;
type Edit = (files: Files) => void;
/** [what is wrong, expected reason, where the message says it is ('' for the domain's own checks), edits]. */
type Case = readonly [string, string, string, ...Edit[]];

const json = 'citypass_fare_rules.json';

const replace =
  (fileName: string, from: string, to: string): Edit =>
  (files) => {
    const text = files.get(fileName) ?? '';
    assert.ok(text.includes(from), `${fileName} holds ${JSON.stringify(from)}`);
    files.set(fileName, text.replace(from, to));
  };
const put =
  (fileName: string, text: string): Edit =>
  (files) => {
    files.set(fileName, text);
  };
const remove =
  (fileName: string): Edit =>
  (files) => {
    assert.ok(files.delete(fileName), fileName);
  };
const append =
  (fileName: string, row: string): Edit =>
  (files) => {
    files.set(fileName, `${files.get(fileName) ?? ''}${row}\r\n`);
  };
const editJson =
  (change: (rules: Record<string, unknown>) => void): Edit =>
  (files) => {
    const rules = JSON.parse(files.get(json) ?? '') as Record<string, unknown>;
    change(rules);
    files.set(json, JSON.stringify(rules));
  };
const adultRules = (rules: Record<string, unknown>): Record<string, unknown> =>
  (rules.concessions as Record<string, Record<string, unknown>>).adult ?? {};

/** maxStations + 1 stations in zone 1, each with a gate, and no lines. */
const tooManyStations: Edit = (files) => {
  const numbers = Array.from({ length: maxStations + 1 }, (_, index) => index);
  files.set(
    'stops.txt',
    [
      'stop_id,stop_name,location_type,parent_station',
      ...numbers.flatMap((n) => [`s${n},S${n},1,`, `s${n}-g1,G,2,s${n}`]),
      '',
    ].join('\r\n'),
  );
  files.set('stop_areas.txt', ['area_id,stop_id', ...numbers.map((n) => `zone-1,s${n}`), ''].join('\r\n'));
  for (const fileName of ['routes.txt', 'trips.txt', 'stop_times.txt']) files.delete(fileName);
};

const g1 = 'central-g1,Central gate 1,2,central';
const cases: readonly Case[] = [
  ['no stops.txt', 'GTFS_FILE_MISSING', 'stops.txt', remove('stops.txt')],
  ['no citypass_fare_rules.json', 'GTFS_FILE_MISSING', json, remove(json)],
  ['routes.txt and stop_times.txt without trips.txt', 'GTFS_FILE_MISSING', 'trips.txt', remove('trips.txt')],
  [
    'a stops.txt over 10 MB',
    'GTFS_FILE_TOO_LARGE',
    'stops.txt',
    put('stops.txt', `stop_id\r\n${'x'.repeat(maxFileBytes)}\r\n`),
  ],
  [
    'a fare_leg_rules.txt with a header only',
    'GTFS_FILE_EMPTY',
    'fare_leg_rules.txt',
    put('fare_leg_rules.txt', 'from_area_id,to_area_id,fare_product_id\r\n'),
  ],
  ['a row with a field too many', 'GTFS_CSV_MALFORMED', 'stops.txt:5', replace('stops.txt', g1, `${g1},extra`)],
  ['an unclosed quote', 'GTFS_CSV_MALFORMED', 'routes.txt:3', replace('routes.txt', 'Blue line', '"Blue line')],
  ['an empty stop_id', 'GTFS_FIELD_MISSING', 'stops.txt:6', replace('stops.txt', 'central-g2,', ',')],
  [
    'no agency_timezone column',
    'GTFS_FIELD_MISSING',
    'agency.txt:2',
    put('agency.txt', 'agency_id,agency_name\r\nmetro,Metro\r\n'),
  ],
  [
    'a route with neither long nor short name',
    'GTFS_FIELD_MISSING',
    'routes.txt:2',
    replace('routes.txt', 'Red,Red line', ','),
  ],
  [
    'a gate without parent_station',
    'GTFS_FIELD_MISSING',
    'stops.txt:5',
    replace('stops.txt', g1, 'central-g1,Central gate 1,2,'),
  ],
  [
    'a fare leg rule without to_area_id',
    'GTFS_FIELD_MISSING',
    'fare_leg_rules.txt:3',
    replace('fare_leg_rules.txt', 'zone-1,zone-2,', 'zone-1,,'),
  ],
  [
    'an extension without max_journey_minutes',
    'GTFS_FIELD_MISSING',
    `${json} (top level)`,
    editJson((rules) => delete rules.max_journey_minutes),
  ],
  [
    'an extension without the student class',
    'GTFS_FIELD_MISSING',
    `${json} (concessions)`,
    editJson((rules) => delete (rules.concessions as Record<string, unknown>).student),
  ],
  [
    'location_type 7',
    'GTFS_FIELD_INVALID',
    'stops.txt:3',
    replace('stops.txt', 'Central (Red line),0,', 'Central (Red line),7,'),
  ],
  [
    'a station with a parent_station',
    'GTFS_FIELD_INVALID',
    'stops.txt:7',
    replace('stops.txt', 'harbour,Harbour,1,', 'harbour,Harbour,1,central'),
  ],
  [
    'a station latitude above 90 degrees',
    'GTFS_FIELD_INVALID',
    'stops.txt:7',
    replace('stops.txt', 'harbour,Harbour,1,,44.406403,', 'harbour,Harbour,1,,94.406403,'),
  ],
  [
    'a station longitude below -180 degrees',
    'GTFS_FIELD_INVALID',
    'stops.txt:2',
    replace('stops.txt', 'central,Central,1,,44.410000,8.930000', 'central,Central,1,,44.410000,-180.5'),
  ],
  [
    'a station latitude that is not a number',
    'GTFS_FIELD_INVALID',
    'stops.txt:2',
    replace('stops.txt', 'central,Central,1,,44.410000,', 'central,Central,1,,44.41N,'),
  ],
  [
    'a station with a stop_lat and no stop_lon',
    'GTFS_FIELD_INVALID',
    'stops.txt:2',
    replace('stops.txt', 'central,Central,1,,44.410000,8.930000', 'central,Central,1,,44.410000,'),
  ],
  [
    'a gate id with a space',
    'GTFS_FIELD_INVALID',
    'stops.txt:5',
    replace('stops.txt', g1, g1.replace('central-g1', 'central g1')),
  ],
  [
    'a blank gate name',
    'GTFS_FIELD_INVALID',
    'stops.txt:5',
    replace('stops.txt', g1, g1.replace('Central gate 1', ' ')),
  ],
  [
    'a stop_sequence of 1.5',
    'GTFS_FIELD_INVALID',
    'stop_times.txt:2',
    replace('stop_times.txt', 'harbour-red,1', 'harbour-red,1.5'),
  ],
  [
    'is_default_fare_category yes',
    'GTFS_FIELD_INVALID',
    'rider_categories.txt:2',
    replace('rider_categories.txt', 'adult,Adult,1', 'adult,Adult,yes'),
  ],
  [
    'a service day start of 4:30',
    'GTFS_FIELD_INVALID',
    `${json} (service_day_start)`,
    editJson((rules) => (rules.service_day_start = '4:30')),
  ],
  [
    'a version written as a string',
    'GTFS_FIELD_INVALID',
    `${json} (version)`,
    editJson((rules) => (rules.version = '1')),
  ],
  [
    'a fractional transfer window',
    'GTFS_FIELD_INVALID',
    `${json} (transfer_window_minutes)`,
    editJson((rules) => (rules.transfer_window_minutes = 2.5)),
  ],
  [
    'a monthly cap period',
    'GTFS_FIELD_INVALID',
    `${json} (weekly_cap_period)`,
    editJson((rules) => (rules.weekly_cap_period = 'monthly')),
  ],
  [
    'concessions as a list',
    'GTFS_FIELD_INVALID',
    `${json} (concessions)`,
    editJson((rules) => (rules.concessions = [])),
  ],
  ['a gate of an unknown station', 'GTFS_REFERENCE_UNKNOWN', 'stops.txt:5', replace('stops.txt', g1, `${g1}-west`)],
  ['a gate whose parent is a platform', 'GTFS_REFERENCE_UNKNOWN', 'stops.txt:5', replace('stops.txt', g1, `${g1}-red`)],
  [
    'a stop area in an unknown area',
    'GTFS_REFERENCE_UNKNOWN',
    'stop_areas.txt:13',
    replace('stop_areas.txt', 'zone-3,lakeside', 'zone-4,lakeside'),
  ],
  [
    'a gate in a stop area',
    'GTFS_REFERENCE_UNKNOWN',
    'stop_areas.txt:13',
    replace('stop_areas.txt', 'zone-3,lakeside', 'zone-3,lakeside-g1'),
  ],
  [
    'a trip of an unknown route',
    'GTFS_REFERENCE_UNKNOWN',
    'trips.txt:5',
    replace('trips.txt', 'blue,daily,blue-back', 'green,daily,blue-back'),
  ],
  [
    'a stop time of an unknown trip',
    'GTFS_REFERENCE_UNKNOWN',
    'stop_times.txt:2',
    replace('stop_times.txt', 'red-out-0600,06:00', 'red-late,06:00'),
  ],
  [
    'a stop time at a gate',
    'GTFS_REFERENCE_UNKNOWN',
    'stop_times.txt:2',
    replace('stop_times.txt', 'harbour-red,1', 'harbour-g1,1'),
  ],
  [
    'a fare product for an unknown rider category',
    'GTFS_REFERENCE_UNKNOWN',
    'fare_products.txt:2',
    replace('fare_products.txt', 'Zone 1,adult', 'Zone 1,veteran'),
  ],
  [
    'a fare leg rule with an unknown product',
    'GTFS_REFERENCE_UNKNOWN',
    'fare_leg_rules.txt:3',
    replace('fare_leg_rules.txt', 'zone-2,zones-1-2', 'zone-2,zones-9-9'),
  ],
  [
    'a fare leg rule from an unknown area',
    'GTFS_REFERENCE_UNKNOWN',
    'fare_leg_rules.txt:3',
    replace('fare_leg_rules.txt', 'metro,zone-1,zone-2', 'metro,zone-7,zone-2'),
  ],
  ['a stop_id listed twice', 'GTFS_ID_DUPLICATE', 'stops.txt:6', replace('stops.txt', 'central-g2,', 'central-g1,')],
  ['an area listed twice', 'GTFS_ID_DUPLICATE', 'areas.txt:4', replace('areas.txt', 'zone-3,Zone 3', 'zone-2,Zone 3')],
  [
    'a route listed twice',
    'GTFS_ID_DUPLICATE',
    'routes.txt:3',
    replace('routes.txt', 'blue,aurelia-metro', 'red,aurelia-metro'),
  ],
  ['a trip listed twice', 'GTFS_ID_DUPLICATE', 'trips.txt:5', replace('trips.txt', 'blue-back-0600', 'blue-out-0600')],
  [
    'a rider category listed twice',
    'GTFS_ID_DUPLICATE',
    'rider_categories.txt:5',
    replace('rider_categories.txt', 'student,Student', 'senior,Student'),
  ],
  [
    'a product priced twice for adults',
    'GTFS_ID_DUPLICATE',
    'fare_products.txt:3',
    replace('fare_products.txt', 'Zone 1,child', 'Zone 1,adult'),
  ],
  [
    'a zone pair priced in both directions',
    'GTFS_ID_DUPLICATE',
    'fare_leg_rules.txt:8',
    append('fare_leg_rules.txt', 'metro,zone-2,zone-1,zones-1-2'),
  ],
  [
    'a stop_sequence repeated in a trip',
    'GTFS_ID_DUPLICATE',
    'stop_times.txt:3',
    replace('stop_times.txt', 'central-red,2', 'central-red,1'),
  ],
  [
    'an amount of 2.905 EUR',
    'GTFS_AMOUNT_INVALID',
    'fare_products.txt:2',
    replace('fare_products.txt', 'adult,2.90,', 'adult,2.905,'),
  ],
  [
    'an amount of abc',
    'GTFS_AMOUNT_INVALID',
    'fare_products.txt:2',
    replace('fare_products.txt', 'adult,2.90,', 'adult,abc,'),
  ],
  [
    'a daily cap of 9.001',
    'GTFS_AMOUNT_INVALID',
    `${json} (concessions.adult.daily_cap)`,
    editJson((rules) => (adultRules(rules).daily_cap = '9.001')),
  ],
  [
    'a daily cap written as a number',
    'GTFS_AMOUNT_INVALID',
    `${json} (concessions.adult.daily_cap)`,
    editJson((rules) => (adultRules(rules).daily_cap = 9)),
  ],
  [
    'a currency without a known exponent',
    'GTFS_CURRENCY_UNSUPPORTED',
    'fare_products.txt:2',
    (files) => files.set('fare_products.txt', files.get('fare_products.txt')?.replaceAll(',EUR', ',XXX') ?? ''),
  ],
  [
    'two currencies',
    'GTFS_CURRENCY_CONFLICT',
    'fare_products.txt:5',
    replace('fare_products.txt', 'student,2.03,EUR', 'student,2.03,USD'),
  ],
  [
    'a station without gates',
    'GTFS_STATION_WITHOUT_GATES',
    'stops.txt:39',
    replace(
      'stops.txt',
      'lakeside-g1,Lakeside gate 1,2,lakeside,,\r\nlakeside-g2,Lakeside gate 2,2,lakeside,,\r\n',
      '',
    ),
  ],
  [
    'a stop without a parent station',
    'GTFS_STOP_UNSUPPORTED',
    'stops.txt:3',
    replace('stops.txt', 'Central (Red line),0,central', 'Central (Red line),0,'),
  ],
  ['an area zone-03', 'GTFS_AREA_UNSUPPORTED', 'areas.txt:4', replace('areas.txt', 'zone-3,Zone 3', 'zone-03,Zone 3')],
  ['an area that is not a zone', 'GTFS_AREA_UNSUPPORTED', 'areas.txt:5', append('areas.txt', 'downtown,Downtown')],
  [
    'a rider category that is no concession class',
    'GTFS_RIDER_CATEGORY_UNKNOWN',
    'rider_categories.txt:5',
    replace('rider_categories.txt', 'student,Student', 'veteran,Veteran'),
  ],
  [
    'no student rider category',
    'GTFS_RIDER_CATEGORY_MISSING',
    'rider_categories.txt',
    replace('rider_categories.txt', 'student,Student,0\r\n', ''),
  ],
  [
    'child as a default category',
    'GTFS_RIDER_CATEGORY_DEFAULT',
    'rider_categories.txt:3',
    replace('rider_categories.txt', 'child,Child,0', 'child,Child,1'),
  ],
  [
    'adult not the default category',
    'GTFS_RIDER_CATEGORY_DEFAULT',
    'rider_categories.txt:2',
    replace('rider_categories.txt', 'adult,Adult,1', 'adult,Adult,0'),
  ],
  [
    'a product without a student amount',
    'GTFS_FARE_PRODUCT_INCOMPLETE',
    'fare_leg_rules.txt:7',
    replace('fare_products.txt', 'zones-3-3,Zone 3,student,1.40,EUR\r\n', ''),
  ],
  [
    'a fare leg rule limited to a network',
    'GTFS_FIELD_UNSUPPORTED',
    'fare_leg_rules.txt:2',
    replace('fare_leg_rules.txt', 'leg_group_id,', 'network_id,'),
  ],
  [
    'agencies in two time zones',
    'GTFS_TIMEZONE_CONFLICT',
    'agency.txt:3',
    append('agency.txt', 'bus,Aurelia Bus,https://bus.aurelia.example,Europe/Paris,en'),
  ],
  [
    'a route without trips',
    'GTFS_ROUTE_WITHOUT_TRIPS',
    'routes.txt:4',
    append('routes.txt', 'green,aurelia-metro,Green,Green line,1,00AA00'),
  ],
  [
    'a first trip without stop times',
    'GTFS_TRIP_WITHOUT_STOPS',
    'routes.txt:2',
    replace('trips.txt', 'red,daily,red-out', 'red,daily,red-empty,0\r\nred,daily,red-out'),
  ],
  ['an extension that is not JSON', 'GTFS_JSON_MALFORMED', json, put(json, '{')],
  [
    'a misspelt extension field',
    'GTFS_FIELD_UNKNOWN',
    `${json} (concessions.adult)`,
    editJson((rules) => (adultRules(rules).daly_cap = '9.00')),
  ],
  [
    'an unknown top-level extension field',
    'GTFS_FIELD_UNKNOWN',
    `${json} (top level)`,
    editJson((rules) => (rules.currency = 'EUR')),
  ],
  // The domain's constructors check the rest: their reasons come through unchanged.
  ['a station in three zones', 'STATION_ZONES_INVALID', '', append('stop_areas.txt', 'zone-3,riverside')],
  ['a station in no zone', 'STATION_ZONES_INVALID', '', replace('stop_areas.txt', 'zone-1,central\r\n', '')],
  ['a blank station name', 'STATION_NAME_INVALID', '', replace('stops.txt', 'harbour,Harbour,1,', 'harbour, ,1,')],
  [`more than ${maxStations} stations`, 'NETWORK_SIZE_INVALID', '', tooManyStations],
  ['an unknown time zone', 'TIME_ZONE_INVALID', '', replace('agency.txt', 'Europe/Berlin', 'Mars/Olympus')],
  [
    'a zone pair without a fare',
    'FARE_MISSING',
    '',
    replace('fare_leg_rules.txt', 'metro,zone-2,zone-3,zones-2-3\r\n', ''),
  ],
  [
    'a daily cap above the weekly cap',
    'CAP_DAILY_ABOVE_WEEKLY',
    '',
    editJson((rules) => (adultRules(rules).daily_cap = '45.01')),
  ],
  [
    'a maximum fare below a fare',
    'MAX_FARE_BELOW_FARE',
    '',
    editJson((rules) => (adultRules(rules).max_fare = '4.79')),
  ],
  [
    'an effective date of 2025-02-30',
    'SERVICE_DATE_INVALID',
    '',
    editJson((rules) => (rules.effective_from = '2025-02-30')),
  ],
  ['a maximum journey of 0 minutes', 'MAX_JOURNEY_INVALID', '', editJson((rules) => (rules.max_journey_minutes = 0))],
];

for (const [what, reason, where, ...edits] of cases) {
  test(`gtfs errors - ${what} is refused: ${reason}`, () => {
    const files = aureliaFeedFiles();
    for (const edit of edits) edit(files);
    assert.equal(
      refusal(() => parseGtfsFeed(files)),
      `invalid_argument:${reason}`,
    );
    if (where !== '')
      assert.throws(
        () => parseGtfsFeed(files),
        (error: Error) => error.message.startsWith(`${where}: `),
      );
  });
}

test('gtfs errors - the unedited feed loads, so each refusal above comes from its edit', () => {
  assert.equal(
    refusal(() => parseGtfsFeed(aureliaFeedFiles())),
    'ok',
  );
});
