import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { encodeBase64Url } from './base64url.ts';
import { decodeJws, signJws, verifyJwsSignature } from './jws.ts';
import { assertRejects, newKeyPair } from './test_fixtures.ts';

const key = newKeyPair();
const payload = { sub: 'resident-1', n: 1 };
const token = signJws({ alg: 'ES256', typ: 'JWT', kid: 'k1' }, payload, key.privateKey);
const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
const unsigned = (header: object, body: object = payload) =>
  `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(body))}`;
const decode = (compact: string) => () => decodeJws(compact, 4096);

test('jws - sign, decode and verify round trip', () => {
  const decoded = decodeJws(token, 4096);
  assert.deepEqual(decoded.header, { alg: 'ES256', typ: 'JWT', kid: 'k1' });
  assert.deepEqual(decoded.payload, payload);
  assert.equal(decoded.signature.length, 64);
  assert.equal(verifyJwsSignature(decoded, key.publicKey), true);
});

test('jws - another key, a tampered payload or a tampered signature do not verify', () => {
  assert.equal(verifyJwsSignature(decodeJws(token, 4096), newKeyPair().publicKey), false);
  const tamperedPayload = `${headerPart}.${encodeBase64Url(JSON.stringify({ ...payload, n: 2 }))}.${signaturePart}`;
  assert.equal(verifyJwsSignature(decodeJws(tamperedPayload, 4096), key.publicKey), false);
  const flipped = signaturePart.slice(0, 10) + (signaturePart[10] === 'A' ? 'B' : 'A') + signaturePart.slice(11);
  assert.equal(verifyJwsSignature(decodeJws(`${headerPart}.${payloadPart}.${flipped}`, 4096), key.publicKey), false);
});

test('jws - alg none is ALG_NOT_ALLOWED', async () => {
  await assertRejects(decode(`${unsigned({ alg: 'none' })}.`), 'unauthenticated', 'ALG_NOT_ALLOWED');
});

test('jws - HS256 signed with the public key as secret is ALG_NOT_ALLOWED', async () => {
  const input = unsigned({ alg: 'HS256', kid: 'k1' });
  const secret = key.publicKey.export({ format: 'pem', type: 'spki' });
  const mac = createHmac('sha256', secret).update(input).digest('base64url');
  await assertRejects(decode(`${input}.${mac}`), 'unauthenticated', 'ALG_NOT_ALLOWED');
});

test('jws - RS256, es256 in lower case and a missing alg are ALG_NOT_ALLOWED', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const input = unsigned({ alg: 'RS256' });
  const rsaSignature = sign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url');
  await assertRejects(decode(`${input}.${rsaSignature}`), 'unauthenticated', 'ALG_NOT_ALLOWED');
  await assertRejects(decode(`${unsigned({ alg: 'es256' })}.${signaturePart}`), 'unauthenticated', 'ALG_NOT_ALLOWED');
  await assertRejects(decode(`${unsigned({ typ: 'JWT' })}.${signaturePart}`), 'unauthenticated', 'ALG_NOT_ALLOWED');
});

test('jws - a crit header is JWS_CRIT_UNSUPPORTED', async () => {
  await assertRejects(
    decode(`${unsigned({ alg: 'ES256', crit: ['b64'], b64: false })}.${signaturePart}`),
    'invalid_argument',
    'JWS_CRIT_UNSUPPORTED',
  );
});

test('jws - anything but three parts is MALFORMED_JWS', async () => {
  for (const compact of [`${headerPart}.${payloadPart}`, `${token}.${signaturePart}`, `${token}.`, headerPart, '']) {
    await assertRejects(decode(compact), 'invalid_argument', 'MALFORMED_JWS');
  }
});

test('jws - non-canonical base64url, non-JSON and non-object parts are MALFORMED_JWS', async () => {
  const malformed = [
    `${headerPart}=.${payloadPart}.${signaturePart}`,
    `${headerPart}.${payloadPart.replaceAll('-', '+')}x.${signaturePart}`,
    `${headerPart}..${signaturePart}`,
    `${headerPart}.${encodeBase64Url('not json')}.${signaturePart}`,
    `${headerPart}.${encodeBase64Url('[1,2]')}.${signaturePart}`,
    `${headerPart}.${encodeBase64Url('null')}.${signaturePart}`,
    `${headerPart}.${encodeBase64Url(Buffer.from([0x7b, 0xff, 0x7d]))}.${signaturePart}`,
    `${headerPart}.${payloadPart}.${signaturePart.slice(0, 43)}`,
    `${headerPart}.${payloadPart}.`,
  ];
  for (const compact of malformed) await assertRejects(decode(compact), 'invalid_argument', 'MALFORMED_JWS');
});

test('jws - a DER-encoded ECDSA signature is MALFORMED_JWS', async () => {
  const der = sign('sha256', Buffer.from(`${headerPart}.${payloadPart}`), key.privateKey).toString('base64url');
  await assertRejects(decode(`${headerPart}.${payloadPart}.${der}`), 'invalid_argument', 'MALFORMED_JWS');
});

test('jws - longer than maxBytes is JWS_TOO_LARGE, exactly maxBytes decodes', async () => {
  await assertRejects(() => decodeJws(token, token.length - 1), 'invalid_argument', 'JWS_TOO_LARGE');
  assert.equal(decodeJws(token, token.length).payload['n'], 1);
});
