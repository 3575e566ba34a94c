import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { credentialVct, issueCredential, parseCredentialClaims, type IssueCredentialInput } from './credential.ts';
import { jwkThumbprint, publicJwkOf } from './jwk.ts';
import { decodeJws, verifyJwsSignature } from './jws.ts';
import { createPresentation } from './presentation.ts';
import { assertRejects, dayMs, issuer, newKeyPair, nowMs } from './test_fixtures.ts';

const issuerKey = newKeyPair();
const device = newKeyPair();
const signer = { kid: 'k1', privateKey: issuerKey.privateKey };
const input: IssueCredentialInput = {
  issuer,
  residentId: randomUUID(),
  credentialId: randomUUID(),
  devicePublicJwk: publicJwkOf(device.publicKey),
  concession: 'senior',
  plan: 'AOK-PLUS-2026',
  statusIndex: 7,
  statusUri: `${issuer}/status/1`,
  issuedAtMs: nowMs + 999,
  expiresAtMs: nowMs + 365 * dayMs,
};

test('credential - issue produces an ES256 dc+sd-jwt signed by the issuer key', () => {
  const decoded = decodeJws(issueCredential(input, signer), 4096);
  assert.deepEqual(decoded.header, { alg: 'ES256', typ: 'dc+sd-jwt', kid: 'k1' });
  assert.equal(verifyJwsSignature(decoded, issuerKey.publicKey), true);
});

test('credential - claims round trip with seconds precision', () => {
  const claims = parseCredentialClaims(decodeJws(issueCredential(input, signer), 4096).payload);
  assert.deepEqual(claims, {
    iss: issuer,
    sub: input.residentId,
    vct: credentialVct,
    jti: input.credentialId,
    iat: Math.floor((nowMs + 999) / 1000),
    exp: (nowMs + 365 * dayMs) / 1000,
    cnf: { jwk: publicJwkOf(device.publicKey) },
    concession: 'senior',
    plan: 'AOK-PLUS-2026',
    status: { status_list: { idx: 7, uri: `${issuer}/status/1` } },
  });
});

test('credential - an empty or absent plan leaves the claim out', () => {
  for (const plan of ['', undefined]) {
    const { plan: _omitted, ...withoutPlan } = input;
    const payload = decodeJws(
      issueCredential(plan === undefined ? withoutPlan : { ...input, plan }, signer),
      4096,
    ).payload;
    assert.equal('plan' in payload, false);
  }
});

test('credential - issuing with invalid input is refused with the exact reason', async () => {
  const issuing = (overrides: Partial<IssueCredentialInput>) => () =>
    issueCredential({ ...input, ...overrides }, signer);
  await assertRejects(issuing({ residentId: '' }), 'invalid_argument', 'CREDENTIAL_CLAIMS_INVALID');
  await assertRejects(issuing({ statusIndex: -1 }), 'invalid_argument', 'CREDENTIAL_CLAIMS_INVALID');
  await assertRejects(issuing({ expiresAtMs: input.issuedAtMs }), 'invalid_argument', 'CREDENTIAL_CLAIMS_INVALID');
  await assertRejects(
    issuing({ devicePublicJwk: { ...input.devicePublicJwk, x: input.devicePublicJwk.y.slice(2) } }),
    'invalid_argument',
    'DEVICE_KEY_INVALID',
  );
});

test('credential - parse rejects every wrongly typed claim with CREDENTIAL_CLAIMS_INVALID', async () => {
  const payload = decodeJws(issueCredential(input, signer), 4096).payload;
  const broken: Record<string, unknown>[] = [
    { iss: 42 },
    { sub: '' },
    { vct: null },
    { jti: ['x'] },
    { iat: 1.5 },
    { exp: '1827144000' },
    { iat: -1 },
    { cnf: 'jwk' },
    { cnf: { jwk: 'key' } },
    { concession: 'vip' },
    { concession: undefined },
    { plan: 7 },
    { plan: '' },
    { status: { status_list: { idx: 1 } } },
    { status: { status_list: { idx: '1', uri: 'u' } } },
    { status: [] },
    { sub: 'x'.repeat(257) },
  ];
  for (const change of broken) {
    await assertRejects(
      () => parseCredentialClaims({ ...payload, ...change }),
      'invalid_argument',
      'CREDENTIAL_CLAIMS_INVALID',
    );
  }
});

// Identity's kid is 11 characters of the issuer key's RFC 7638 thumbprint; ids are UUIDs; a transit gate audience
// and a fare cap. DESIGN.md targets under 1,000 bytes; two ES256 signatures, sd_hash, the device JWK and two UUIDs
// take most of it, so this guard keeps the payload from growing while that target stays open (see README).
const realisticCredential = issueCredential(input, {
  kid: jwkThumbprint(publicJwkOf(issuerKey.publicKey)).slice(0, 11),
  privateKey: issuerKey.privateKey,
});
const realisticWire = createPresentation({
  credential: realisticCredential,
  devicePrivateKey: device.privateKey,
  audience: 'gate:metro:u2-017',
  counter: 123_456,
  nowMs,
  amountCap: { amountMinor: 250n, currency: 'EUR' },
});
const realisticBytes = Buffer.byteLength(realisticWire);
const realisticCredentialBytes = Buffer.byteLength(realisticCredential);

test(`credential - a realistic QR payload is ${realisticBytes} bytes and does not grow past 1,150`, (context) => {
  context.diagnostic(
    `credential ${realisticCredentialBytes} bytes, key binding ${realisticBytes - realisticCredentialBytes - 1} bytes`,
  );
  assert.ok(realisticBytes < 1150, `QR payload is ${realisticBytes} bytes`);
});
