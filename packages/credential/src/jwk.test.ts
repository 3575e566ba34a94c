import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { encodeBase64Url } from './base64url.ts';
import { importDevicePublicJwk, jwkThumbprint, publicJwkOf } from './jwk.ts';
import { assertRejects, newKeyPair } from './test_fixtures.ts';

const device = newKeyPair();
const jwk = publicJwkOf(device.publicKey);
const importing = (candidate: unknown) => () => importDevicePublicJwk(candidate);

test('jwk - publicJwkOf keeps only kty, crv, x and y, even for a private key', () => {
  assert.deepEqual(Object.keys(publicJwkOf(device.privateKey)).sort(), ['crv', 'kty', 'x', 'y']);
  assert.deepEqual(publicJwkOf(device.privateKey), jwk);
});

test('jwk - importDevicePublicJwk returns the same public key', () => {
  const imported = importDevicePublicJwk({ ...jwk, kid: 'extra members are ignored' });
  assert.equal(imported.key.equals(device.publicKey), true);
  assert.deepEqual(imported.jwk, jwk);
});

test('jwk - thumbprint is SHA-256 of the RFC 7638 canonical member order', () => {
  const canonical = `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
  assert.equal(jwkThumbprint(jwk), createHash('sha256').update(canonical).digest('base64url'));
  assert.equal(jwkThumbprint({ y: jwk.y, x: jwk.x, crv: 'P-256', kty: 'EC' }), jwkThumbprint(jwk));
});

test('jwk - a private member d is DEVICE_KEY_INVALID', async () => {
  await assertRejects(importing(device.privateKey.export({ format: 'jwk' })), 'invalid_argument', 'DEVICE_KEY_INVALID');
});

test('jwk - another curve or key type is DEVICE_KEY_INVALID', async () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
  const ed25519 = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  for (const candidate of [
    p384,
    { ...p384, crv: 'P-256' },
    ed25519,
    { ...jwk, crv: 'secp256k1' },
    { ...jwk, kty: 'RSA' },
  ]) {
    await assertRejects(importing(candidate), 'invalid_argument', 'DEVICE_KEY_INVALID');
  }
});

test('jwk - a point off the curve is DEVICE_KEY_INVALID', async () => {
  const y = Buffer.from(jwk.y, 'base64url');
  y[31] = (y[31] ?? 0) ^ 1;
  await assertRejects(importing({ ...jwk, y: encodeBase64Url(y) }), 'invalid_argument', 'DEVICE_KEY_INVALID');
});

test('jwk - short, long, padded or missing coordinates are DEVICE_KEY_INVALID', async () => {
  const candidates = [
    { ...jwk, x: encodeBase64Url(Buffer.alloc(31, 1)) },
    { ...jwk, x: encodeBase64Url(Buffer.alloc(33, 1)) },
    { ...jwk, x: `${jwk.x}=` },
    { kty: 'EC', crv: 'P-256', x: jwk.x },
    { ...jwk, y: 42 },
    'not an object',
    null,
  ];
  for (const candidate of candidates)
    await assertRejects(importing(candidate), 'invalid_argument', 'DEVICE_KEY_INVALID');
});
