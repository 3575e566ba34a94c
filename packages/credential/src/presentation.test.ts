import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJws, verifyJwsSignature } from './jws.ts';
import { createPresentation, parsePresentationClaims, sdHashOf, splitPresentation } from './presentation.ts';
import { assertRejects, audience, makeFixture, nowMs } from './test_fixtures.ts';

const fixture = makeFixture();
const base = {
  credential: fixture.credential,
  devicePrivateKey: fixture.device.privateKey,
  audience,
  counter: 5,
  nowMs,
};

test('presentation - wire form is credential~kb-jwt, signed by the device key', () => {
  const { credential, keyBinding } = splitPresentation(createPresentation(base));
  assert.equal(credential, fixture.credential);
  const decoded = decodeJws(keyBinding, 4096);
  assert.deepEqual(decoded.header, { alg: 'ES256', typ: 'kb+jwt' });
  assert.equal(verifyJwsSignature(decoded, fixture.device.publicKey), true);
});

test('presentation - claims carry audience, window, nonce, counter and the credential hash', () => {
  const claims = parsePresentationClaims(
    decodeJws(splitPresentation(createPresentation({ ...base, ttlSeconds: 60 })).keyBinding, 4096).payload,
  );
  assert.equal(claims.aud, audience);
  assert.equal(claims.iat, nowMs / 1000);
  assert.equal(claims.exp - claims.iat, 60);
  assert.equal(claims.ctr, 5);
  assert.equal(claims.sd_hash, sdHashOf(`${fixture.credential}~`));
  assert.match(claims.nonce, /^[A-Za-z0-9_-]{16}$/);
  assert.equal('cap' in claims, false);
});

test('presentation - nonces are unique', () => {
  const nonces = new Set(
    Array.from(
      { length: 200 },
      () =>
        parsePresentationClaims(decodeJws(splitPresentation(createPresentation(base)).keyBinding, 4096).payload).nonce,
    ),
  );
  assert.equal(nonces.size, 200);
});

test('presentation - amount caps round trip as numbers and, past 2^53, as strings', () => {
  for (const amountMinor of [0n, 250n, 9_007_199_254_740_993n]) {
    const keyBinding = splitPresentation(
      createPresentation({ ...base, amountCap: { amountMinor, currency: 'EUR' } }),
    ).keyBinding;
    const payload = decodeJws(keyBinding, 4096).payload;
    assert.equal(
      typeof (payload['cap'] as { amt: unknown }).amt,
      amountMinor > 9_007_199_254_740_991n ? 'string' : 'number',
    );
    assert.deepEqual(parsePresentationClaims(payload).cap, { amountMinor, currency: 'EUR' });
  }
});

test('presentation - split refuses a missing key binding, disclosures and a missing credential', async () => {
  const wire = createPresentation(base);
  const { credential, keyBinding } = splitPresentation(wire);
  for (const bad of [credential, `${credential}~`, `${credential}~disclosure~${keyBinding}`, `~${keyBinding}`, '']) {
    await assertRejects(() => splitPresentation(bad), 'invalid_argument', 'MALFORMED_PRESENTATION');
  }
});

test('presentation - parse rejects bad claims with PRESENTATION_CLAIMS_INVALID', async () => {
  const payload = decodeJws(splitPresentation(createPresentation(base)).keyBinding, 4096).payload;
  const broken: Record<string, unknown>[] = [
    { nonce: 'AAAAAAAAAAAAAAA' },
    { nonce: 'A'.repeat(65) },
    { nonce: 'AAAAAAAA+AAAAAAA' },
    { nonce: 7 },
    { ctr: -1 },
    { ctr: 1.5 },
    { ctr: '1' },
    { aud: ['a', 'b'] },
    { aud: '' },
    { sd_hash: undefined },
    { iat: payload['exp'] },
    { exp: 'soon' },
    { cap: { amt: -1, cur: 'EUR' } },
    { cap: { amt: 2.5, cur: 'EUR' } },
    { cap: { amt: '01', cur: 'EUR' } },
    { cap: { amt: '1e3', cur: 'EUR' } },
    { cap: { amt: 100, cur: 'eur' } },
    { cap: { amt: 100 } },
    { cap: 100 },
  ];
  for (const change of broken) {
    await assertRejects(
      () => parsePresentationClaims({ ...payload, ...change }),
      'invalid_argument',
      'PRESENTATION_CLAIMS_INVALID',
    );
  }
});
