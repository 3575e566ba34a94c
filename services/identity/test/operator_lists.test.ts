// The operators' lists against a running identity: residents by name prefix (any case) or by id, services by name
// prefix with their capabilities, keyset pages whose tokens are bound to their search, bad input refused with a
// reason that never repeats the search, and each page one index range scan (EXPLAIN).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { ListResidentsRequest, ListServicesRequest } from '@citypass/proto/identity/v1/identity';
import { DomainError } from '@citypass/platform/errors';
import { residentPageQuery, type ResidentPageFilter } from '../src/store/resident_pages.ts';
import { servicePageQuery, type ServicePageFilter } from '../src/store/services.ts';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let db: pg.Client;

// [given, family]: 'love' matches the first four, in any case; Lovász only from 'lov'.
const people: [string, string][] = [
  ['Ada', 'Lovelace'],
  ['Byron', 'Lovelace'],
  ['Anne', 'LOVELL'],
  ['Ola', 'love'],
  ['Éva', 'Lovász'],
  ['Alan', 'Turing'],
  ['Grace', 'Hopper'],
  ['Percent', '100%'],
];
const ids = new Map<string, string>();

before(async () => {
  h = await startHarness();
  db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
  for (const [given, family] of people) {
    const id = randomUUID();
    ids.set(`${given} ${family}`, id);
    await db.query(
      "INSERT INTO residents (id, given_name, family_name, birth_date, concession_class) VALUES ($1, $2, $3, '1990-01-01', 'adult')",
      [id, given, family],
    );
  }
  // Forty more under one family name, to page through.
  await db.query(
    `INSERT INTO residents (id, given_name, family_name, birth_date, concession_class)
     SELECT gen_random_uuid(), 'Person ' || lpad(n::text, 2, '0'), 'Many', '2000-02-02', 'student' FROM generate_series(1, 40) n`,
  );
  for (const name of ['parking-north', 'parking-south', 'bikes', 'grocer']) {
    await h.operator.onboardService({
      idempotencyKey: `onboard-${name}`,
      name,
      displayName: `The ${name}`,
      contactEmail: `ops@${name}.example`,
      extraScopes: name === 'bikes' ? ['refund:bikes', 'gate:bikes'] : [],
      jwksJson: '',
      location: undefined,
    });
  }
});
after(async () => {
  await db.end();
  await h.stop();
});

async function rejection(promise: Promise<unknown>): Promise<{ kind: string; reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    return { kind: error.kind, reason: error.reason, message: error.message };
  }
  assert.fail('expected a rejection');
}

const residents = (request: Partial<ListResidentsRequest>) =>
  h.operator.listResidents({ search: '', pageSize: 0, pageToken: '', ...request });
const services = (request: Partial<ListServicesRequest>) =>
  h.operator.listServices({ search: '', pageSize: 0, pageToken: '', ...request });
const names = (page: { residents: { givenName: string; familyName: string }[] }): string[] =>
  page.residents.map((resident) => `${resident.givenName} ${resident.familyName}`);

test('list residents - a name prefix in any case, family name then given name; an id finds that one resident', async () => {
  assert.deepEqual(names(await residents({ search: 'LOVE' })), [
    'Ola love',
    'Ada Lovelace',
    'Byron Lovelace',
    'Anne LOVELL',
  ]);
  assert.deepEqual(names(await residents({ search: '  lovelace   b ' })), ['Byron Lovelace']);
  assert.deepEqual(names(await residents({ search: 'lovä' })), []);
  assert.deepEqual(names(await residents({ search: 'LOVÁ' })), ['Éva Lovász'], 'lowercased beyond ASCII');
  assert.deepEqual(names(await residents({ search: '100%' })), ['Percent 100%'], '% is a character, not a wildcard');
  assert.deepEqual(names(await residents({ search: '1%' })), []);
  const id = ids.get('Alan Turing') ?? '';
  const byId = await residents({ search: id });
  assert.deepEqual(names(byId), ['Alan Turing']);
  assert.equal(byId.residents[0]?.residentId, id);
  assert.equal(byId.nextPageToken, '');
  assert.deepEqual(names(await residents({ search: randomUUID() })), []);
  const all = await residents({ pageSize: 200 });
  assert.equal(all.residents.length, people.length + 40);
  assert.equal(all.nextPageToken, '');
});

test('list residents - pages follow their tokens to the end, each resident once, in the order of one long page', async () => {
  const whole = names(await residents({ search: 'many', pageSize: 200 }));
  assert.equal(whole.length, 40);
  const paged: string[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const page = await residents({ search: 'many', pageSize: 7, pageToken });
    paged.push(...names(page));
    pageToken = page.nextPageToken;
    pages += 1;
    assert.doesNotMatch(pageToken, /many|person/i, 'no name in the token');
  } while (pageToken !== '');
  assert.equal(pages, 6);
  assert.deepEqual(paged, whole);
  const first = await residents({ search: 'many', pageSize: 40 });
  assert.notEqual(first.nextPageToken, '', 'a full page says there may be more');
  assert.deepEqual(await residents({ search: 'many', pageSize: 40, pageToken: first.nextPageToken }), {
    residents: [],
    nextPageToken: '',
  });
});

test("list residents - another search's token, a forged token, a page too large or a bad search is refused", async () => {
  const page = await residents({ search: 'many', pageSize: 5 });
  const invalidToken = { kind: 'invalid_argument', reason: 'PAGE_TOKEN_INVALID' };
  const refused = async (request: Partial<ListResidentsRequest>) => {
    const { kind, reason } = await rejection(residents(request));
    return { kind, reason };
  };
  assert.deepEqual(await refused({ search: 'love', pageToken: page.nextPageToken }), invalidToken);
  assert.deepEqual(await refused({ search: '', pageToken: page.nextPageToken }), invalidToken);
  assert.deepEqual(await refused({ search: 'many', pageToken: 'not-a-token' }), invalidToken);
  const servicesToken = (await services({ pageSize: 1 })).nextPageToken;
  assert.deepEqual(await refused({ search: '', pageToken: servicesToken }), invalidToken);
  assert.deepEqual(await refused({ pageSize: 201 }), { kind: 'invalid_argument', reason: 'PAGE_SIZE_TOO_LARGE' });
  assert.equal((await residents({ pageSize: 200 })).residents.length, 48, '200 is allowed');
  for (const search of ['Lovelace\u0000', `Lovelace${'x'.repeat(93)}`]) {
    const { kind, reason, message } = await rejection(residents({ search }));
    assert.deepEqual({ kind, reason }, { kind: 'invalid_argument', reason: 'SEARCH_INVALID' });
    assert.doesNotMatch(message, /lovelace/i, 'the search (a name) is not repeated in the error');
  }
  assert.equal((await residents({ search: `Lovelace${'x'.repeat(92)}` })).residents.length, 0, '100 is allowed');
  const anonymous = await rejection(h.anonymous.listResidents({ search: '', pageSize: 0, pageToken: '' }));
  assert.deepEqual([anonymous.kind, anonymous.reason], ['unauthenticated', 'TOKEN_MISSING']);
});

test('list services - by name prefix, each with its scopes and capabilities; pages bound to their search', async () => {
  const parking = await services({ search: 'Parking' });
  assert.deepEqual(
    parking.services.map((service) => service.name),
    ['parking-north', 'parking-south'],
  );
  const bikes = (await services({ search: 'bikes' })).services[0];
  assert.ok(bikes !== undefined);
  assert.equal(bikes.displayName, 'The bikes');
  assert.equal(bikes.contactEmail, 'ops@bikes.example');
  assert.equal(bikes.tokenEndpointAuthMethod, 'client_secret_basic');
  assert.ok(bikes.onboardedAt instanceof Date);
  assert.deepEqual(bikes.scopes, ['charge:bikes', 'gate:bikes', 'refund:bikes']);
  assert.deepEqual(bikes.capabilities, [
    { verb: 'charge', resource: 'urn:citypass:wallet' },
    { verb: 'gate', resource: 'urn:citypass:transit' },
    { verb: 'refund', resource: 'urn:citypass:wallet' },
  ]);
  const paged: string[] = [];
  let pageToken = '';
  do {
    const page = await services({ pageSize: 3, pageToken });
    paged.push(...page.services.map((service) => service.name));
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  assert.deepEqual(paged, ['bikes', 'grocer', 'parking-north', 'parking-south']);
  const first = await services({ search: 'parking', pageSize: 1 });
  assert.deepEqual(
    (await rejection(services({ search: 'p', pageToken: first.nextPageToken }))).reason,
    'PAGE_TOKEN_INVALID',
  );
  assert.deepEqual(
    (await services({ search: 'parking', pageSize: 1, pageToken: first.nextPageToken })).services.map((s) => s.name),
    ['parking-south'],
  );
  assert.equal((await rejection(services({ search: 'x\u0000' }))).reason, 'SEARCH_INVALID');
  assert.equal((await rejection(services({ pageSize: 500 }))).reason, 'PAGE_SIZE_TOO_LARGE');
});

/** The plan's node types and the index it scans, with sequential scans and sorts priced out. */
async function plan(query: { text: string; values: unknown[] }): Promise<string> {
  await db.query('SET enable_seqscan = off');
  await db.query('SET enable_sort = off');
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.text}`, query.values);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

test('list plans - every page, searched or after a token, is a range scan of its index with no sort', async () => {
  const anyId = ids.get('Ada Lovelace') ?? '';
  const residentPages: ResidentPageFilter[] = [
    { limit: 50 },
    { limit: 50, namePrefix: 'love' },
    { limit: 50, afterId: anyId },
    { limit: 50, namePrefix: 'love', afterId: anyId },
  ];
  for (const filter of residentPages) {
    const text = await plan(residentPageQuery(filter));
    assert.match(text, /Index Scan using residents_by_name on residents r/, text);
    assert.doesNotMatch(text, /Sort|Seq Scan/, text);
    if (filter.namePrefix !== undefined) assert.match(text, /Index Cond: .*>= 'love'::text.*< 'lovf'::text/, text);
    if (filter.afterId !== undefined) assert.match(text, /Index Cond: .*ROW\(/, text);
  }
  const servicePages: ServicePageFilter[] = [
    { limit: 50 },
    { limit: 50, namePrefix: 'park' },
    { limit: 50, namePrefix: 'park', afterName: 'parking-north' },
  ];
  for (const filter of servicePages) {
    const text = await plan(servicePageQuery(filter));
    assert.match(text, /Index Scan using services_by_name on services/, text);
    assert.doesNotMatch(text, /Sort|Seq Scan/, text);
    if (filter.namePrefix !== undefined) assert.match(text, /Index Cond: .*>= 'park'::text/, text);
  }
});
