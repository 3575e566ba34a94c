import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { isDomainError } from '@citypass/platform/errors';
import { encodeBase64Url } from './base64url.ts';
import { publicJwkOf } from './jwk.ts';
import { createPresentation, splitPresentation } from './presentation.ts';
import {
  assertRejects,
  audience,
  issuer,
  makeFixture,
  newKeyPair,
  nowMs,
  partsOf,
  signRaw,
  type Fixture,
} from './test_fixtures.ts';

const verifying =
  (fixture: Fixture, wire: string, expectedAudience = audience) =>
  () =>
    fixture.verifier.verify(wire, { audience: expectedAudience });

/** The fixture's presentation flow with the credential replaced by `credential`. */
function presentWith(fixture: Fixture, credential: string): string {
  return createPresentation({ credential, devicePrivateKey: fixture.device.privateKey, audience, counter: 1, nowMs });
}

/** The fixture's credential re-signed by the real issuer key with header and payload changes. */
function reissued(
  fixture: Fixture,
  payloadChanges: Record<string, unknown>,
  headerChanges: Record<string, unknown> = {},
): string {
  const { header, payload } = partsOf(fixture.credential);
  return signRaw({ ...header, ...headerChanges }, { ...payload, ...payloadChanges }, fixture.issuerKey.privateKey);
}

test('verifier - a fresh presentation verifies to the credential and presentation claims', async () => {
  const fixture = makeFixture();
  const credential = fixture.issue({ credentialId: 'c-1', residentId: 'r-1', concession: 'student', plan: 'AOK-1' });
  const wire = createPresentation({
    credential,
    devicePrivateKey: fixture.device.privateKey,
    audience,
    counter: 7,
    nowMs,
    ttlSeconds: 45,
    amountCap: { amountMinor: 1250n, currency: 'EUR' },
  });
  const verified = await fixture.verifier.verify(wire, { audience });
  const nonce = partsOf(splitPresentation(wire).keyBinding).payload['nonce'];
  assert.deepEqual(verified, {
    credentialId: 'c-1',
    subject: 'r-1',
    concession: 'student',
    plan: 'AOK-1',
    deviceThumbprint: verified.deviceThumbprint,
    presentationId: nonce,
    counter: 7,
    audience,
    issuedAtMs: nowMs,
    expiresAtMs: nowMs + 45_000,
    amountCap: { amountMinor: 1250n, currency: 'EUR' },
    credentialExpiresAtMs: nowMs + 365 * 24 * 3600 * 1000,
    credentialIssuedAtMs: nowMs - 24 * 3600 * 1000,
  });
  assert.match(verified.deviceThumbprint, /^[A-Za-z0-9_-]{43}$/);
  const plain = await fixture.verifier.verify(fixture.present({ counter: 8 }), { audience });
  assert.equal('plan' in plain || 'amountCap' in plain, false);
});

test('verifier - alg none on the credential or the key binding is ALG_NOT_ALLOWED', async () => {
  const fixture = makeFixture();
  const { header, payload } = partsOf(fixture.credential);
  const none = `${encodeBase64Url(JSON.stringify({ ...header, alg: 'none' }))}.${encodeBase64Url(JSON.stringify(payload))}.`;
  await assertRejects(verifying(fixture, presentWith(fixture, none)), 'unauthenticated', 'ALG_NOT_ALLOWED');
  const keyBinding = partsOf(splitPresentation(fixture.present()).keyBinding);
  const noneBinding = `${encodeBase64Url(JSON.stringify({ alg: 'none', typ: 'kb+jwt' }))}.${encodeBase64Url(JSON.stringify(keyBinding.payload))}.`;
  await assertRejects(verifying(fixture, `${fixture.credential}~${noneBinding}`), 'unauthenticated', 'ALG_NOT_ALLOWED');
});

test('verifier - an HS256 credential keyed with the issuer public key is ALG_NOT_ALLOWED', async () => {
  const fixture = makeFixture();
  const { header, payload } = partsOf(fixture.credential);
  const input = `${encodeBase64Url(JSON.stringify({ ...header, alg: 'HS256' }))}.${encodeBase64Url(JSON.stringify({ ...payload, concession: 'child' }))}`;
  for (const format of ['pem', 'der'] as const) {
    const secret =
      format === 'pem'
        ? fixture.issuerKey.publicKey.export({ format, type: 'spki' })
        : fixture.issuerKey.publicKey.export({ format, type: 'spki' });
    const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    await assertRejects(verifying(fixture, presentWith(fixture, forged)), 'unauthenticated', 'ALG_NOT_ALLOWED');
  }
});

test('verifier - a tampered credential payload or signature is CREDENTIAL_SIGNATURE_INVALID', async () => {
  const fixture = makeFixture();
  const [header = '', , signature = ''] = fixture.credential.split('.');
  const { payload } = partsOf(fixture.credential);
  const tamperedPayload = `${header}.${encodeBase64Url(JSON.stringify({ ...payload, concession: 'child' }))}.${signature}`;
  await assertRejects(
    verifying(fixture, presentWith(fixture, tamperedPayload)),
    'unauthenticated',
    'CREDENTIAL_SIGNATURE_INVALID',
  );
  const flipped = signature.slice(0, 20) + (signature[20] === 'A' ? 'B' : 'A') + signature.slice(21);
  const tamperedSignature = fixture.credential.slice(0, fixture.credential.length - signature.length) + flipped;
  await assertRejects(
    verifying(fixture, presentWith(fixture, tamperedSignature)),
    'unauthenticated',
    'CREDENTIAL_SIGNATURE_INVALID',
  );
});

test('verifier - a credential signed by another key under the issuer kid is CREDENTIAL_SIGNATURE_INVALID', async () => {
  const fixture = makeFixture();
  const { header, payload } = partsOf(fixture.credential);
  const forged = signRaw(header, payload, newKeyPair().privateKey);
  await assertRejects(
    verifying(fixture, presentWith(fixture, forged)),
    'unauthenticated',
    'CREDENTIAL_SIGNATURE_INVALID',
  );
});

test('verifier - an unknown kid offline is ISSUER_KEY_UNKNOWN, a missing kid MALFORMED_JWS', async () => {
  const fixture = makeFixture();
  await assertRejects(
    verifying(fixture, presentWith(fixture, reissued(fixture, {}, { kid: 'k2' }))),
    'unauthenticated',
    'ISSUER_KEY_UNKNOWN',
  );
  await assertRejects(
    verifying(fixture, presentWith(fixture, reissued(fixture, {}, { kid: undefined }))),
    'invalid_argument',
    'MALFORMED_JWS',
  );
});

test('verifier - another issuer, credential type or wrongly typed claim is refused', async () => {
  const fixture = makeFixture();
  await assertRejects(
    verifying(fixture, presentWith(fixture, reissued(fixture, { iss: 'https://evil.example' }))),
    'unauthenticated',
    'ISSUER_MISMATCH',
  );
  await assertRejects(
    verifying(fixture, presentWith(fixture, reissued(fixture, { vct: 'urn:other' }))),
    'unauthenticated',
    'CREDENTIAL_TYPE_UNSUPPORTED',
  );
  await assertRejects(
    verifying(fixture, presentWith(fixture, reissued(fixture, { exp: 'later' }))),
    'invalid_argument',
    'CREDENTIAL_CLAIMS_INVALID',
  );
});

test('verifier - an expired or not yet valid credential is refused', async () => {
  const fixture = makeFixture();
  await assertRejects(
    verifying(
      fixture,
      presentWith(fixture, fixture.issue({ issuedAtMs: nowMs - 20_000, expiresAtMs: nowMs - 10_000 })),
    ),
    'unauthenticated',
    'CREDENTIAL_EXPIRED',
  );
  await assertRejects(
    verifying(fixture, presentWith(fixture, fixture.issue({ issuedAtMs: nowMs + 10_000 }))),
    'unauthenticated',
    'CREDENTIAL_NOT_YET_VALID',
  );
});

test('verifier - a device jwk with d, another curve or a point off the curve is DEVICE_KEY_INVALID', async () => {
  const fixture = makeFixture();
  const jwk = publicJwkOf(fixture.device.publicKey);
  const offCurve = Buffer.from(jwk.y, 'base64url');
  offCurve[0] = (offCurve[0] ?? 0) ^ 0x40;
  const devices = [
    fixture.device.privateKey.export({ format: 'jwk' }),
    { ...jwk, crv: 'P-384' },
    { ...jwk, y: encodeBase64Url(offCurve) },
  ];
  for (const device of devices) {
    await assertRejects(
      verifying(fixture, presentWith(fixture, reissued(fixture, { cnf: { jwk: device } }))),
      'invalid_argument',
      'DEVICE_KEY_INVALID',
    );
  }
});

test('verifier - a key binding not signed by the credential device key is PRESENTATION_SIGNATURE_INVALID', async () => {
  const fixture = makeFixture();
  const stranger = createPresentation({
    credential: fixture.credential,
    devicePrivateKey: newKeyPair().privateKey,
    audience,
    counter: 1,
    nowMs,
  });
  await assertRejects(verifying(fixture, stranger), 'unauthenticated', 'PRESENTATION_SIGNATURE_INVALID');
  const [header = '', , signature = ''] = splitPresentation(fixture.present()).keyBinding.split('.');
  const payload = partsOf(splitPresentation(fixture.present()).keyBinding).payload;
  const tampered = `${header}.${encodeBase64Url(JSON.stringify({ ...payload, aud: 'other' }))}.${signature}`;
  await assertRejects(
    verifying(fixture, `${fixture.credential}~${tampered}`),
    'unauthenticated',
    'PRESENTATION_SIGNATURE_INVALID',
  );
});

test('verifier - a wrong typ on either JWS is JWS_TYP_INVALID', async () => {
  const fixture = makeFixture();
  await assertRejects(
    verifying(fixture, presentWith(fixture, reissued(fixture, {}, { typ: 'JWT' }))),
    'invalid_argument',
    'JWS_TYP_INVALID',
  );
  const payload = partsOf(splitPresentation(fixture.present()).keyBinding).payload;
  const keyBinding = signRaw({ alg: 'ES256', typ: 'JWT' }, payload, fixture.device.privateKey);
  await assertRejects(verifying(fixture, `${fixture.credential}~${keyBinding}`), 'invalid_argument', 'JWS_TYP_INVALID');
});

test('verifier - another audience is AUDIENCE_MISMATCH', async () => {
  const fixture = makeFixture();
  await assertRejects(
    verifying(fixture, fixture.present(), 'urn:citypass:clinic:desk-1'),
    'unauthenticated',
    'AUDIENCE_MISMATCH',
  );
});

test('verifier - a key binding made for another credential of the same device is SD_HASH_MISMATCH', async () => {
  const fixture = makeFixture();
  const other = presentWith(fixture, fixture.issue());
  await assertRejects(
    verifying(fixture, `${fixture.credential}~${splitPresentation(other).keyBinding}`),
    'unauthenticated',
    'SD_HASH_MISMATCH',
  );
});

test('verifier - the same presentation twice is PRESENTATION_REPLAYED', async () => {
  const fixture = makeFixture();
  const wire = fixture.present();
  await fixture.verifier.verify(wire, { audience });
  await assertRejects(verifying(fixture, wire), 'unauthenticated', 'PRESENTATION_REPLAYED');
});

test('verifier - a counter not above the last accepted one is COUNTER_NOT_INCREASING', async () => {
  const fixture = makeFixture();
  await fixture.verifier.verify(fixture.present({ counter: 10 }), { audience });
  await assertRejects(
    verifying(fixture, fixture.present({ counter: 10 })),
    'unauthenticated',
    'COUNTER_NOT_INCREASING',
  );
  await assertRejects(
    verifying(fixture, presentWith(fixture, fixture.issue())),
    'unauthenticated',
    'COUNTER_NOT_INCREASING',
  );
  await fixture.verifier.verify(fixture.present({ counter: 11 }), { audience });
});

test('verifier - a revoked credential is CREDENTIAL_REVOKED until the revocation is lifted', async () => {
  const fixture = makeFixture();
  fixture.revocations.add(fixture.credentialId);
  const wire = fixture.present();
  await assertRejects(verifying(fixture, wire), 'permission_denied', 'CREDENTIAL_REVOKED');
  fixture.revocations.remove(fixture.credentialId);
  assert.equal((await fixture.verifier.verify(wire, { audience })).credentialId, fixture.credentialId);
});

test('verifier - revocation is judged as of a given time only when asked; a live decision counts any revocation', async () => {
  const fixture = makeFixture();
  const wire = fixture.present();
  fixture.revocations.add(fixture.credentialId, nowMs + 1_000);
  await assertRejects(
    () => fixture.verifier.verify(wire, { audience, nowMs }),
    'permission_denied',
    'CREDENTIAL_REVOKED',
  );
  assert.equal(
    (await fixture.verifier.verify(wire, { audience, nowMs, revocationAsOfMs: nowMs })).credentialId,
    fixture.credentialId,
    'settling a presentation made before the revocation',
  );
  const later = fixture.present({ counter: 20 });
  await assertRejects(
    () => fixture.verifier.verify(later, { audience, nowMs, revocationAsOfMs: nowMs + 1_000 }),
    'permission_denied',
    'CREDENTIAL_REVOKED',
  );
});

test('verifier - a rejected presentation does not use up its nonce or counter', async () => {
  const fixture = makeFixture();
  const wire = fixture.present({ counter: 3 });
  await assertRejects(verifying(fixture, wire, 'urn:elsewhere'), 'unauthenticated', 'AUDIENCE_MISMATCH');
  assert.equal((await fixture.verifier.verify(wire, { audience })).counter, 3);
});

test('verifier - malformed wire forms are refused before any signature check', async () => {
  const fixture = makeFixture();
  const wire = fixture.present();
  const { credential, keyBinding } = splitPresentation(wire);
  await assertRejects(verifying(fixture, credential), 'invalid_argument', 'MALFORMED_PRESENTATION');
  await assertRejects(verifying(fixture, `${credential}~${keyBinding}.AAAA`), 'invalid_argument', 'MALFORMED_JWS');
  await assertRejects(
    verifying(fixture, `${credential.replace('.', '.+')}~${keyBinding}`),
    'invalid_argument',
    'MALFORMED_JWS',
  );
  await assertRejects(
    verifying(fixture, `${credential}~${keyBinding.replace('.', '=.')}`),
    'invalid_argument',
    'MALFORMED_JWS',
  );
  await assertRejects(
    () => fixture.verifier.verify(42 as unknown as string, { audience }),
    'invalid_argument',
    'MALFORMED_PRESENTATION',
  );
});

test('verifier - longer than maxPresentationBytes is PRESENTATION_TOO_LARGE, exactly the limit verifies', async () => {
  const fixture = makeFixture();
  await assertRejects(
    verifying(fixture, `${fixture.present()}${'A'.repeat(4096)}`),
    'invalid_argument',
    'PRESENTATION_TOO_LARGE',
  );
  const wire = fixture.present();
  const shorter = fixture.newVerifier({ maxPresentationBytes: wire.length - 1 });
  await assertRejects(() => shorter.verify(wire, { audience }), 'invalid_argument', 'PRESENTATION_TOO_LARGE');
  const exact = fixture.newVerifier({ maxPresentationBytes: wire.length });
  assert.equal((await exact.verify(wire, { audience })).credentialId, fixture.credentialId);
});

test('verifier - rejection messages never contain the presentation text', async () => {
  const fixture = makeFixture();
  const wire = fixture.present();
  const { credential, keyBinding } = splitPresentation(wire);
  const attempts = [
    credential,
    `${credential}~${keyBinding}.x`,
    presentWith(fixture, reissued(fixture, { iss: issuer.toUpperCase() })),
    `${wire}${'A'.repeat(5000)}`,
  ];
  for (const attempt of attempts) {
    const error: unknown = await fixture.verifier.verify(attempt, { audience: 'x' }).catch((caught: unknown) => caught);
    assert.ok(isDomainError(error));
    for (const fragment of attempt.split(/[.~]/).filter((part) => part.length >= 8))
      assert.equal(error.message.includes(fragment), false);
  }
});

test('verifier - the same presentation verified concurrently is accepted once, the other is PRESENTATION_REPLAYED', async () => {
  const fixture = makeFixture();
  const wire = fixture.present();
  const outcomes = await Promise.allSettled([1, 2, 3].map(() => fixture.verifier.verify(wire, { audience })));
  assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected')
      assert.ok(isDomainError(outcome.reason) && outcome.reason.reason === 'PRESENTATION_REPLAYED');
  }
});
