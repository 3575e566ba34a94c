import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { after, test } from 'node:test';
import { encodeBase64Url } from './base64url.ts';
import { IssuerKeys } from './issuer_keys.ts';
import { assertRejects, audience, jwksOfKey, makeFixture, newKeyPair, partsOf, type Fixture } from './test_fixtures.ts';
import { startJwksServer } from './test_jwks_server.ts';

/** Issuer keys that count lookups that reach the credential signature check (one per issuer ECDSA verify). */
class CountingIssuerKeys extends IssuerKeys {
  resolved = 0;

  override resolve(kid: string): Promise<KeyObject> {
    this.resolved += 1;
    return super.resolve(kid);
  }
}

function countingFixture(credentialCacheSize?: number): { fixture: Fixture; keys: CountingIssuerKeys } {
  const fixture = makeFixture();
  const keys = new CountingIssuerKeys({ jwks: jwksOfKey(fixture.kid, fixture.issuerKey.publicKey) });
  return { fixture: makeFixtureSharing(fixture, keys, credentialCacheSize), keys };
}

function makeFixtureSharing(fixture: Fixture, issuerKeys: IssuerKeys, credentialCacheSize?: number): Fixture {
  const verifier = fixture.newVerifier({
    issuerKeys,
    ...(credentialCacheSize === undefined ? {} : { credentialCacheSize }),
  });
  return { ...fixture, verifier };
}

const jwksServer = await startJwksServer({ keys: [] });
after(() => jwksServer.close());

test('verifier cache - later presentations of a credential skip the issuer signature check', async () => {
  const { fixture, keys } = countingFixture();
  for (let index = 0; index < 5; index += 1) await fixture.verifier.verify(fixture.present(), { audience });
  assert.equal(keys.resolved, 1);
});

test('verifier cache - with the cache off every presentation checks the issuer signature', async () => {
  const { fixture, keys } = countingFixture(0);
  for (let index = 0; index < 3; index += 1) await fixture.verifier.verify(fixture.present(), { audience });
  assert.equal(keys.resolved, 3);
});

test('verifier cache - a tampered credential sharing the cached one prefix is still rejected', async () => {
  const { fixture } = countingFixture();
  await fixture.verifier.verify(fixture.present(), { audience });
  const [header = '', payload = '', signature = ''] = fixture.credential.split('.');
  const flipped = signature.slice(0, 40) + (signature[40] === 'A' ? 'B' : 'A') + signature.slice(41);
  await assertRejects(
    () => fixture.verifier.verify(fixture.present({ credential: `${header}.${payload}.${flipped}` }), { audience }),
    'unauthenticated',
    'CREDENTIAL_SIGNATURE_INVALID',
  );
  const upgraded = encodeBase64Url(JSON.stringify({ ...partsOf(fixture.credential).payload, concession: 'senior' }));
  await assertRejects(
    () => fixture.verifier.verify(fixture.present({ credential: `${header}.${upgraded}.${signature}` }), { audience }),
    'unauthenticated',
    'CREDENTIAL_SIGNATURE_INVALID',
  );
  assert.equal((await fixture.verifier.verify(fixture.present(), { audience })).concession, 'adult');
});

test('verifier cache - failures are not cached: a bad credential is checked in full each time', async () => {
  const { fixture, keys } = countingFixture();
  const forged = fixture.present({ credential: fixture.issue({ issuer: 'https://other.example' }) });
  await assertRejects(() => fixture.verifier.verify(forged, { audience }), 'unauthenticated', 'ISSUER_MISMATCH');
  await assertRejects(() => fixture.verifier.verify(forged, { audience }), 'unauthenticated', 'ISSUER_MISMATCH');
  assert.equal(keys.resolved, 2);
});

test('verifier cache - a cached credential is still checked for revocation and its key binding', async () => {
  const { fixture } = countingFixture();
  await fixture.verifier.verify(fixture.present(), { audience });
  fixture.revocations.add(fixture.credentialId);
  await assertRejects(
    () => fixture.verifier.verify(fixture.present(), { audience }),
    'permission_denied',
    'CREDENTIAL_REVOKED',
  );
  fixture.revocations.remove(fixture.credentialId);
  const stranger = fixture.present({ devicePrivateKey: newKeyPair().privateKey });
  await assertRejects(
    () => fixture.verifier.verify(stranger, { audience }),
    'unauthenticated',
    'PRESENTATION_SIGNATURE_INVALID',
  );
});

test('verifier cache - a cached credential whose issuer key was withdrawn is refused', async () => {
  const fixture = makeFixture();
  jwksServer.publish(jwksOfKey('k-next', newKeyPair().publicKey));
  const issuerKeys = new IssuerKeys({
    jwks: jwksOfKey(fixture.kid, fixture.issuerKey.publicKey),
    jwksUri: jwksServer.uri,
    minRefetchIntervalMs: 0,
  });
  const sharing = makeFixtureSharing(fixture, issuerKeys);
  await sharing.verifier.verify(sharing.present(), { audience });
  await issuerKeys.refresh();
  await assertRejects(
    () => sharing.verifier.verify(sharing.present(), { audience }),
    'unauthenticated',
    'ISSUER_KEY_UNKNOWN',
  );
});
