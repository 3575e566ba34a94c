// What identity tells clients: discovery, the token response's scope, credential error responses (OpenID4VCI
// 1.0 section 8.3.1) and c_nonce values (section 7), checked the way a standard client would read them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { signCompact } from '@citypass/phone';
import { ResidentApp } from '@citypass/phone';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.stop();
});

const password = 'correct horse battery';

async function enrollmentCode(): Promise<string> {
  const created = await h.operator.createResident({
    idempotencyKey: randomBytes(12).toString('hex'),
    givenName: 'Katherine',
    familyName: 'Johnson',
    birthDate: '1950-08-26',
    concessionClass: ConcessionClass.CONCESSION_CLASS_SENIOR,
    coveragePlanRef: '',
  });
  return created.enrollmentCode?.code ?? '';
}

async function cNonce(): Promise<string> {
  const response = await fetch(`${h.issuer}/challenge`, { method: 'POST' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  return ((await response.json()) as { c_nonce: string }).c_nonce;
}

function keyProof(app: ResidentApp, nonce: string, iatS = Math.floor(Date.now() / 1000)): string {
  return signCompact(
    { typ: 'openid4vci-proof+jwt', alg: 'ES256', jwk: app.deviceKey.publicJwk },
    { aud: h.issuer, iat: iatS, nonce },
    app.deviceKey.privateKey,
  );
}

async function requestWith(
  app: ResidentApp,
  token: string,
  body: unknown,
): Promise<{ status: number; error: unknown; challenge: string | null }> {
  const response = await app.credentialRequest(token, body);
  const json = (await response.json()) as { error?: unknown };
  return { status: response.status, error: json.error, challenge: response.headers.get('www-authenticate') };
}

test('discovery - advertises the code flow only, the grants that work and every scope the resident app asks for', async () => {
  const discovery = (await (await fetch(`${h.issuer}/.well-known/openid-configuration`)).json()) as Record<
    string,
    unknown
  >;
  assert.deepEqual(discovery.response_types_supported, ['code']);
  // refresh_token: only the operator console and the CLI hold it, to get a token for each resource they call;
  // device_code: only the CLI's public client (`citypass login`).
  assert.deepEqual(discovery.grant_types_supported, [
    'authorization_code',
    'refresh_token',
    'client_credentials',
    'urn:ietf:params:oauth:grant-type:device_code',
  ]);
  assert.deepEqual(discovery.scopes_supported, ['openid', 'citypass_resident']);
  assert.equal(discovery.userinfo_endpoint, undefined, 'no access token identity issues is accepted at userinfo');
  assert.equal(discovery.require_pushed_authorization_requests, true);
});

test('token - the token response reports the scope that was granted, openid included', async () => {
  const app = new ResidentApp(h.issuer);
  const { code, verifier } = await app.authorize(
    'enroll',
    new URLSearchParams({ code: await enrollmentCode(), password }),
  );
  const response = await app.redeem(code, verifier);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { scope: string; id_token?: string };
  assert.ok(body.id_token, 'an ID token was issued');
  assert.deepEqual(body.scope.split(' ').sort(), ['citypass_resident', 'openid']);
});

test('credential - request errors are a JSON body with 400 and no WWW-Authenticate; token errors keep the challenge', async () => {
  const app = new ResidentApp(h.issuer);
  const token = await app.enroll(await enrollmentCode(), password);
  const proof = keyProof(app, await cNonce());
  assert.deepEqual(
    await requestWith(app, token, { credential_configuration_id: 'no_such_thing', proofs: { jwt: [proof] } }),
    { status: 400, error: 'unknown_credential_configuration', challenge: null },
  );
  assert.deepEqual(
    await requestWith(app, token, { credential_configuration_id: 'citypass_resident', proofs: { jwt: ['not.a.jws'] } }),
    { status: 400, error: 'invalid_proof', challenge: null },
  );
  assert.deepEqual(
    await requestWith(app, token, {
      credential_configuration_id: 'citypass_resident',
      proofs: { jwt: [keyProof(app, randomBytes(36).toString('base64url'))] },
    }),
    { status: 400, error: 'invalid_nonce', challenge: null },
  );
  assert.deepEqual(await requestWith(app, token, { credential_configuration_id: 'citypass_resident' }), {
    status: 400,
    error: 'invalid_proof',
    challenge: null,
  });
  const unknownToken = await requestWith(app, randomBytes(32).toString('base64url'), {
    credential_configuration_id: 'citypass_resident',
    proofs: { jwt: [proof] },
  });
  assert.equal(unknownToken.status, 401);
  assert.equal(unknownToken.error, 'invalid_token');
  assert.match(unknownToken.challenge ?? '', /^DPoP .*error="invalid_token"/);
});

test('c_nonce - each nonce endpoint request gets its own c_nonce', async () => {
  const nonces = await Promise.all(Array.from({ length: 5 }, cNonce));
  assert.equal(new Set(nonces).size, nonces.length);
});

test('c_nonce - one proof is accepted once, and one c_nonce serves one proof only', async () => {
  const app = new ResidentApp(h.issuer);
  const token = await app.enroll(await enrollmentCode(), password);
  const nonce = await cNonce();
  const issuedAtS = Math.floor(Date.now() / 1000);
  const proof = keyProof(app, nonce, issuedAtS);
  const body = { credential_configuration_id: 'citypass_resident', proofs: { jwt: [proof] } };
  assert.equal((await requestWith(app, token, body)).status, 200);
  assert.deepEqual(
    await requestWith(app, token, body),
    { status: 400, error: 'invalid_proof', challenge: null },
    'the same proof again',
  );
  // Another iat than the first proof's, whatever second the clock has reached: a new proof, not a replay of it.
  const sameNonce = keyProof(app, nonce, issuedAtS - 1);
  assert.deepEqual(
    await requestWith(app, token, { credential_configuration_id: 'citypass_resident', proofs: { jwt: [sameNonce] } }),
    { status: 400, error: 'invalid_nonce', challenge: null },
    'a new proof over a spent c_nonce',
  );
  const fresh = keyProof(app, await cNonce());
  assert.equal(
    (await requestWith(app, token, { credential_configuration_id: 'citypass_resident', proofs: { jwt: [fresh] } }))
      .status,
    200,
  );
});
