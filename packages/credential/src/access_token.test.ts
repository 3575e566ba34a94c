import assert from 'node:assert/strict';
import { createHmac, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { isDomainError } from '@citypass/platform/errors';
import { AccessTokenVerifier, type AccessTokenVerifierOptions } from './access_token.ts';
import { encodeBase64Url } from './base64url.ts';
import { IssuerKeys } from './issuer_keys.ts';
import { signJws } from './jws.ts';
import { issuer, jwksOfKey, newKeyPair, nowMs, signRaw } from './test_fixtures.ts';

const audience = 'urn:citypass:wallet';
const jwksUri = `${issuer}/jwks`;
const signing = newKeyPair();
const rotated = newKeyPair();
const nowS = nowMs / 1000;

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: issuer,
    aud: audience,
    iat: nowS - 10,
    exp: nowS + 300,
    client_id: 'svc-transit',
    sub: 'svc-transit',
    scope: 'wallet:authorize wallet:read',
    jti: 'jti-1',
    ...overrides,
  };
}

function token(
  overrides: Record<string, unknown> = {},
  kid = 'k1',
  privateKey: KeyObject = signing.privateKey,
): string {
  return signJws({ alg: 'ES256', typ: 'at+jwt', kid }, claims(overrides), privateKey);
}

function clock(startMs = nowMs) {
  let currentMs = startMs;
  return { now: () => currentMs, set: (ms: number) => (currentMs = ms) };
}

/** A JWKS endpoint stub: serves `jwks`, counts requests, never touches the network. */
function jwksStub(jwks: unknown) {
  const stub = {
    jwks,
    calls: 0,
    fetch: (() => {
      stub.calls += 1;
      return Promise.resolve(Response.json(stub.jwks));
    }) as typeof globalThis.fetch,
  };
  return stub;
}

function verifierWith(options: Partial<AccessTokenVerifierOptions> = {}): AccessTokenVerifier {
  const issuerKeys = new IssuerKeys({ jwks: jwksOfKey('k1', signing.publicKey) });
  return new AccessTokenVerifier({ issuer, audience, issuerKeys, now: () => nowMs, ...options });
}

async function assertRejected(verifier: AccessTokenVerifier, compact: string, reason: string): Promise<void> {
  await assert.rejects(verifier.verify(compact), (error: unknown) => {
    assert.ok(isDomainError(error), `expected a DomainError, got ${String(error)}`);
    assert.deepEqual({ kind: error.kind, reason: error.reason }, { kind: 'unauthenticated', reason });
    for (const part of compact.split('.').filter((text) => text.length > 8)) assert.ok(!error.message.includes(part));
    return true;
  });
}

test('access token - a valid token gives the client, subject and scopes', async () => {
  const principal = await verifierWith().verify(token());
  assert.deepEqual(principal, {
    clientId: 'svc-transit',
    subject: 'svc-transit',
    scopes: new Set(['wallet:authorize', 'wallet:read']),
  });
});

test('access token - absent scope is no scopes, absent sub is the client, application/at+jwt is at+jwt', async () => {
  const noScope = await verifierWith().verify(token({ scope: undefined, sub: undefined }));
  assert.deepEqual(noScope, { clientId: 'svc-transit', subject: 'svc-transit', scopes: new Set() });
  const longTyp = signJws({ alg: 'ES256', typ: 'application/at+jwt', kid: 'k1' }, claims(), signing.privateKey);
  assert.equal((await verifierWith().verify(longTyp)).clientId, 'svc-transit');
});

test('access token - alg none and HS256 are TOKEN_INVALID', async () => {
  const verifier = verifierWith();
  const payload = encodeBase64Url(JSON.stringify(claims()));
  const none = `${encodeBase64Url(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'k1' }))}.${payload}.`;
  await assertRejected(verifier, none, 'TOKEN_INVALID');
  // The classic confusion: HMAC keyed with the issuer's public key.
  const hsInput = `${encodeBase64Url(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' }))}.${payload}`;
  const secret = signing.publicKey.export({ format: 'der', type: 'spki' });
  await assertRejected(
    verifier,
    `${hsInput}.${createHmac('sha256', secret).update(hsInput).digest('base64url')}`,
    'TOKEN_INVALID',
  );
});

test('access token - a typ other than at+jwt and a missing kid are TOKEN_INVALID', async () => {
  const verifier = verifierWith();
  for (const typ of [undefined, 'JWT', 'dc+sd-jwt', 'kb+jwt']) {
    await assertRejected(
      verifier,
      signRaw({ alg: 'ES256', typ, kid: 'k1' }, claims(), signing.privateKey),
      'TOKEN_INVALID',
    );
  }
  await assertRejected(
    verifier,
    signRaw({ alg: 'ES256', typ: 'at+jwt' }, claims(), signing.privateKey),
    'TOKEN_INVALID',
  );
});

test('access token - aud must be this resource, alone or in an array', async () => {
  const verifier = verifierWith();
  assert.equal((await verifier.verify(token({ aud: ['urn:citypass:identity', audience] }))).clientId, 'svc-transit');
  for (const aud of ['urn:citypass:identity', ['urn:citypass:identity'], [], undefined, `${audience} `]) {
    await assertRejected(verifier, token({ aud }), 'TOKEN_INVALID');
  }
});

test("access token - an operator's roles and scope claims become the principal's operator; ill-typed ones are TOKEN_INVALID", async () => {
  const verifier = verifierWith();
  const person = await verifier.verify(token({ roles: ['finance'], merchant: 'shop', department: 'transit' }));
  assert.deepEqual(person.operator, { roles: ['finance'], merchant: 'shop', department: 'transit' });
  const unscoped = await verifier.verify(token({ roles: ['admin'], jti: 'jti-2' }));
  assert.deepEqual(unscoped.operator, { roles: ['admin'], merchant: '', department: '' });
  assert.equal((await verifier.verify(token({ jti: 'jti-3' }))).operator, undefined);
  for (const overrides of [
    { roles: 'admin' },
    { roles: [1] },
    { roles: ['admin'], merchant: 7 },
    { roles: ['admin'], department: 'parks' },
  ]) {
    await assertRejected(verifier, token(overrides), 'TOKEN_INVALID');
  }
});

test('access token - another issuer, a missing client_id and ill-typed claims are TOKEN_INVALID', async () => {
  const verifier = verifierWith();
  for (const overrides of [
    { iss: 'https://evil.example' },
    { iss: undefined },
    { client_id: undefined },
    { client_id: '' },
    { client_id: 7 },
    { scope: ['wallet:read'] },
    { sub: 1 },
    { exp: '9999999999' },
    { exp: undefined },
    { iat: undefined },
  ]) {
    await assertRejected(verifier, token(overrides), 'TOKEN_INVALID');
  }
});

test('access token - expired at exp plus the skew, not a millisecond before', async () => {
  const compact = token({ exp: nowS });
  assert.equal(
    (await verifierWith({ now: () => nowMs + 4_999, cacheSize: 0 }).verify(compact)).clientId,
    'svc-transit',
  );
  await assertRejected(verifierWith({ now: () => nowMs + 5_000 }), compact, 'TOKEN_EXPIRED');
  await assertRejected(verifierWith({ now: () => nowMs + 1, clockSkewMs: 0 }), compact, 'TOKEN_EXPIRED');
});

test('access token - issued beyond the skew in the future is TOKEN_INVALID', async () => {
  assert.equal((await verifierWith().verify(token({ iat: nowS + 5 }))).clientId, 'svc-transit');
  await assertRejected(verifierWith(), token({ iat: nowS + 5.001 }), 'TOKEN_INVALID');
  await assertRejected(verifierWith(), token({ nbf: nowS + 60 }), 'TOKEN_INVALID');
});

test('access token - a tampered payload or signature and malformed text are TOKEN_INVALID', async () => {
  const verifier = verifierWith();
  const [header = '', , signature = ''] = token().split('.');
  const widened = encodeBase64Url(JSON.stringify(claims({ scope: 'wallet:admin' })));
  await assertRejected(verifier, `${header}.${widened}.${signature}`, 'TOKEN_INVALID');
  const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
  await assertRejected(verifier, `${header}.${encodeBase64Url(JSON.stringify(claims()))}.${flipped}`, 'TOKEN_INVALID');
  await assertRejected(verifier, token({}, 'k1', rotated.privateKey), 'TOKEN_INVALID');
  for (const text of ['', 'a.b', 'a.b.c', `${token()}.x`, `${token()}=`, 'x'.repeat(9_000)]) {
    await assertRejected(verifier, text, 'TOKEN_INVALID');
  }
});

test('access token - an unknown kid is TOKEN_INVALID without a JWKS URI, and fetches nothing', async () => {
  const stub = jwksStub(jwksOfKey('k2', rotated.publicKey));
  const issuerKeys = new IssuerKeys({ jwks: jwksOfKey('k1', signing.publicKey), fetch: stub.fetch });
  await assertRejected(verifierWith({ issuerKeys }), token({}, 'k2', rotated.privateKey), 'TOKEN_INVALID');
  assert.equal(stub.calls, 0);
});

test('access token - an unknown kid refetches the JWKS once: accepted when published, else TOKEN_INVALID', async () => {
  const stub = jwksStub(jwksOfKey('k1', signing.publicKey));
  const issuerKeys = new IssuerKeys({
    jwks: jwksOfKey('k1', signing.publicKey),
    jwksUri,
    fetch: stub.fetch,
    now: () => nowMs,
  });
  const verifier = verifierWith({ issuerKeys });
  await assertRejected(verifier, token({}, 'k2', rotated.privateKey), 'TOKEN_INVALID');
  assert.equal(stub.calls, 1);
  await assertRejected(verifier, token({}, 'k3', rotated.privateKey), 'TOKEN_INVALID');
  assert.equal(stub.calls, 1, 'refetches are throttled');

  const rotation = jwksStub({
    keys: [...jwksOfKey('k1', signing.publicKey).keys, ...jwksOfKey('k2', rotated.publicKey).keys],
  });
  const rotatingKeys = new IssuerKeys({ jwks: jwksOfKey('k1', signing.publicKey), jwksUri, fetch: rotation.fetch });
  assert.equal(
    (await verifierWith({ issuerKeys: rotatingKeys }).verify(token({}, 'k2', rotated.privateKey))).clientId,
    'svc-transit',
  );
  assert.equal(rotation.calls, 1);
});

test('access token - a cache hit returns the verified principal without verifying again', async () => {
  const verifier = verifierWith();
  const compact = token();
  const first = await verifier.verify(compact);
  assert.equal(await verifier.verify(compact), first, 'the same object: no new verification built it');
  assert.equal(await verifier.verify(compact), first);
  const uncached = verifierWith({ cacheSize: 0 });
  assert.notEqual(await uncached.verify(compact), await uncached.verify(compact));
});

test('access token - a cached token is still TOKEN_EXPIRED once expired', async () => {
  const time = clock();
  const verifier = verifierWith({ now: time.now });
  const compact = token({ exp: nowS + 60 });
  const first = await verifier.verify(compact);
  time.set(nowMs + 60_000 + 4_999);
  assert.equal(await verifier.verify(compact), first);
  time.set(nowMs + 60_000 + 5_000);
  await assertRejected(verifier, compact, 'TOKEN_EXPIRED');
  await assertRejected(verifier, compact, 'TOKEN_EXPIRED');
});

test('access token - a full cache drops expired entries first, then the oldest', async () => {
  const time = clock();
  const verifier = verifierWith({ now: time.now, cacheSize: 2 });
  const [long, short] = [token({ jti: 'long' }), token({ jti: 'short', exp: nowS + 10 })];
  const principalLong = await verifier.verify(long);
  await verifier.verify(short);
  time.set(nowMs + 15_000);
  await verifier.verify(token({ jti: 'c' }));
  assert.equal(await verifier.verify(long), principalLong, 'the expired short went, not the older long');

  const [a, b, c] = [token({ jti: 'a' }), token({ jti: 'b' }), token({ jti: 'c' })];
  const full = verifierWith({ cacheSize: 2 });
  const principalA = await full.verify(a);
  const principalB = await full.verify(b);
  await full.verify(c);
  assert.equal(await full.verify(b), principalB);
  assert.notEqual(await full.verify(a), principalA, 'a was the oldest');
});

test('access token - a cached token whose key left the issuer set is verified again', async () => {
  const stub = jwksStub(jwksOfKey('k1', signing.publicKey));
  const issuerKeys = new IssuerKeys({ jwks: stub.jwks, jwksUri, fetch: stub.fetch });
  const verifier = verifierWith({ issuerKeys });
  const compact = token();
  const first = await verifier.verify(compact);
  await issuerKeys.refresh();
  const again = await verifier.verify(compact);
  assert.notEqual(again, first, 'a new key object: verified again');
  assert.equal(await verifier.verify(compact), again);
  stub.jwks = jwksOfKey('k2', rotated.publicKey);
  await issuerKeys.refresh();
  await assertRejected(verifier, compact, 'TOKEN_INVALID');
});
