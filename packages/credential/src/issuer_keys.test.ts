import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, test } from 'node:test';
import { IssuerKeys } from './issuer_keys.ts';
import { publicJwkOf } from './jwk.ts';
import { assertRejects, jwksOfKey, newKeyPair } from './test_fixtures.ts';
import { startJwksServer } from './test_jwks_server.ts';

const first = newKeyPair();
const second = newKeyPair();
const bothKeys = { keys: [...jwksOfKey('k1', first.publicKey).keys, ...jwksOfKey('k2', second.publicKey).keys] };
const server = await startJwksServer(bothKeys);
after(() => server.close());

function clock(startMs = 1_000_000) {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

test('issuer keys - seeded keys resolve offline, unknown kids are ISSUER_KEY_UNKNOWN without a fetch configured', async () => {
  const keys = new IssuerKeys({ jwks: jwksOfKey('k1', first.publicKey) });
  assert.equal(keys.get('k1')?.equals(first.publicKey), true);
  assert.equal((await keys.resolve('k1')).equals(first.publicKey), true);
  assert.equal(keys.get('k2'), undefined);
  await assertRejects(() => keys.resolve('k2'), 'unauthenticated', 'ISSUER_KEY_UNKNOWN');
});

test('issuer keys - only EC P-256 signing keys for ES256 with a kid are kept', () => {
  const jwk = publicJwkOf(first.publicKey);
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  const keys = new IssuerKeys({
    jwks: {
      keys: [
        { ...jwk, kid: 'plain' },
        { ...jwk, kid: 'sig', use: 'sig', alg: 'ES256' },
        { ...jwk, kid: 'enc', use: 'enc' },
        { ...jwk, kid: 'es384', alg: 'ES384' },
        { ...p384, kid: 'p384' },
        { ...rsa, kid: 'rsa', alg: 'RS256' },
        { ...jwk },
        { ...jwk, kid: 'off-curve', y: jwk.x },
        { ...jwk, kid: 'private', d: jwk.x },
        'not a key',
      ],
    },
  });
  assert.deepEqual(
    keys.toJwks().keys.map((key) => key.kid),
    ['plain', 'sig'],
  );
});

test('issuer keys - a seed that is not a JWKS is JWKS_INVALID', async () => {
  for (const jwks of [null, [], { keys: {} }, 'jwks']) {
    await assertRejects(() => new IssuerKeys({ jwks }), 'invalid_argument', 'JWKS_INVALID');
  }
});

test('issuer keys - toJwks persists keys that seed an equal offline cache', () => {
  const persisted = new IssuerKeys({ jwks: bothKeys }).toJwks();
  const offline = new IssuerKeys({ jwks: JSON.parse(JSON.stringify(persisted)) as unknown });
  assert.deepEqual(offline.toJwks(), persisted);
  assert.deepEqual(persisted.keys[0], { ...publicJwkOf(first.publicKey), kid: 'k1', use: 'sig', alg: 'ES256' });
  assert.equal(offline.get('k2')?.equals(second.publicKey), true);
});

test('issuer keys - an unknown kid refetches the JWKS, concurrent misses share one request', async () => {
  server.publish(bothKeys, { delayMs: 50 });
  const before = server.requests();
  const keys = new IssuerKeys({ jwks: jwksOfKey('k1', first.publicKey), jwksUri: server.uri });
  const resolved = await Promise.all(Array.from({ length: 20 }, () => keys.resolve('k2')));
  assert.equal(server.requests() - before, 1);
  assert.ok(resolved.every((key) => key.equals(second.publicKey)));
  assert.equal((await keys.resolve('k2')).equals(second.publicKey), true);
  assert.equal(server.requests() - before, 1);
});

test('issuer keys - misses within minRefetchIntervalMs do not fetch again', async () => {
  server.publish(bothKeys);
  const { now, advance } = clock();
  const keys = new IssuerKeys({
    jwks: jwksOfKey('k1', first.publicKey),
    jwksUri: server.uri,
    minRefetchIntervalMs: 30_000,
    now,
  });
  const before = server.requests();
  await assertRejects(() => keys.resolve('k9'), 'unauthenticated', 'ISSUER_KEY_UNKNOWN');
  assert.equal(server.requests() - before, 1);
  advance(29_999);
  await assertRejects(() => keys.resolve('k8'), 'unauthenticated', 'ISSUER_KEY_UNKNOWN');
  assert.equal(server.requests() - before, 1);
  advance(1);
  server.publish({ keys: [...bothKeys.keys, ...jwksOfKey('k8', first.publicKey).keys] });
  assert.equal((await keys.resolve('k8')).equals(first.publicKey), true);
  assert.equal(server.requests() - before, 2);
});

test('issuer keys - a refetch replaces the set: a key the issuer dropped is dropped here', async () => {
  server.publish(jwksOfKey('k2', second.publicKey));
  const keys = new IssuerKeys({ jwks: jwksOfKey('k1', first.publicKey), jwksUri: server.uri });
  await keys.resolve('k2');
  assert.equal(keys.get('k1'), undefined);
});

test('issuer keys - failed fetches are ISSUER_KEYS_UNAVAILABLE and keep the keys already known', async () => {
  const failures: Array<[unknown, { status?: number; chunked?: boolean }]> = [
    ['oops', { status: 500 }],
    ['not json', {}],
    [{ keys: [] }, {}],
    [{ keys: 'none' }, {}],
    [{ ...bothKeys, pad: 'x'.repeat(70_000) }, {}],
    [{ ...bothKeys, pad: 'x'.repeat(70_000) }, { chunked: true }],
  ];
  for (const [body, options] of failures) {
    server.publish(body, options);
    const keys = new IssuerKeys({ jwks: jwksOfKey('k1', first.publicKey), jwksUri: server.uri });
    await assertRejects(() => keys.resolve('k2'), 'unavailable', 'ISSUER_KEYS_UNAVAILABLE');
    assert.equal(keys.get('k1')?.equals(first.publicKey), true);
  }
});

test('issuer keys - a JWKS endpoint that never answers times out as ISSUER_KEYS_UNAVAILABLE', async () => {
  server.publish(bothKeys, { hang: true });
  const keys = new IssuerKeys({ jwksUri: server.uri, fetchTimeoutMs: 100 });
  const startedAtMs = performance.now();
  await assertRejects(() => keys.resolve('k1'), 'unavailable', 'ISSUER_KEYS_UNAVAILABLE');
  assert.ok(performance.now() - startedAtMs < 2_000);
});
