// The resident-facing OAuth endpoints under attack: replays, races, forged and stale proofs, oversized bodies.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { dpopProof, pkcePair, signCompact } from '@citypass/phone';
import { ResidentApp } from '@citypass/phone';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let db: pg.Client;
before(async () => {
  h = await startHarness();
  db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
});
after(async () => {
  await db.end();
  await h.stop();
});

const password = 'correct horse battery';

async function enrolledResident(): Promise<{ residentId: string; code: string }> {
  const created = await h.operator.createResident({
    idempotencyKey: randomBytes(12).toString('hex'),
    givenName: 'Grace',
    familyName: 'Hopper',
    birthDate: '1950-12-09',
    concessionClass: ConcessionClass.CONCESSION_CLASS_SENIOR,
    coveragePlanRef: '',
  });
  return { residentId: created.resident?.residentId ?? '', code: created.enrollmentCode?.code ?? '' };
}

/** A signed-out app at the sign-in page, ready to post its form. */
async function atSignInPage(): Promise<{ app: ResidentApp; path: string }> {
  const app = new ResidentApp(h.issuer);
  const pkce = pkcePair();
  const par = await app.post(
    '/request',
    new URLSearchParams({
      client_id: 'citypass-app',
      response_type: 'code',
      redirect_uri: 'citypass://auth/callback',
      scope: 'openid citypass_resident',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    }),
  );
  const { request_uri: requestUri } = (await par.json()) as { request_uri: string };
  const path =
    (await app.get(`/auth?client_id=citypass-app&request_uri=${encodeURIComponent(requestUri)}`)).headers.get(
      'location',
    ) ?? '';
  assert.equal((await app.get(path)).status, 200);
  return { app, path };
}

async function rowCount(sql: string, values: unknown[] = []): Promise<number> {
  return Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) s`, values)).rows[0]?.n);
}

test('oauth - two concurrent redemptions of one authorization code: exactly one wins', async () => {
  const { code: enrollmentCode } = await enrolledResident();
  const app = new ResidentApp(h.issuer);
  const { code, verifier } = await app.authorize('enroll', new URLSearchParams({ code: enrollmentCode, password }));
  const results = await Promise.all(Array.from({ length: 8 }, () => app.redeem(code, verifier)));
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 400, 400, 400, 400, 400, 400, 400]);
  for (const loser of results.filter((r) => r.status === 400)) {
    assert.equal(((await loser.json()) as { error: string }).error, 'invalid_grant');
  }
});

test('oauth - a DPoP proof that was used once is refused the second time', async () => {
  const app = new ResidentApp(h.issuer);
  const first = await app.authorize('enroll', new URLSearchParams({ code: (await enrolledResident()).code, password }));
  const proof = dpopProof(app.dpopKey, 'POST', `${h.issuer}/token`);
  assert.equal((await app.redeem(first.code, first.verifier, proof)).status, 200);
  const samePhone = new ResidentApp(h.issuer, { dpopKey: app.dpopKey });
  const second = await samePhone.authorize(
    'enroll',
    new URLSearchParams({ code: (await enrolledResident()).code, password }),
  );
  const replayed = await samePhone.redeem(second.code, second.verifier, proof);
  // oidc-provider reports a replay at the token endpoint as invalid_grant ("DPoP proof JWT Replay detected",
  // description hidden) after the code is consumed: the replay burns the code and issues nothing.
  assert.equal(replayed.status, 400);
  assert.equal(((await replayed.json()) as { error: string }).error, 'invalid_grant');
  assert.equal((await samePhone.redeem(second.code, second.verifier)).status, 400, 'the code is spent');
});

test('oauth - DPoP proofs with alg none, HS256, from the future or the past are refused', async () => {
  const { code: enrollmentCode } = await enrolledResident();
  const app = new ResidentApp(h.issuer);
  const { code, verifier } = await app.authorize('enroll', new URLSearchParams({ code: enrollmentCode, password }));
  const url = `${h.issuer}/token`;
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { htm: 'POST', htu: url, iat: Math.floor(Date.now() / 1000), jti: randomBytes(8).toString('hex') };
  const forged = [
    `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: app.dpopKey.publicJwk })}.${b64(claims)}.`,
    `${b64({ typ: 'dpop+jwt', alg: 'HS256', jwk: app.dpopKey.publicJwk })}.${b64(claims)}.${randomBytes(32).toString('base64url')}`,
    dpopProof(app.dpopKey, 'POST', url, { iatS: Math.floor(Date.now() / 1000) + 3600 }),
    dpopProof(app.dpopKey, 'POST', url, { iatS: Math.floor(Date.now() / 1000) - 3600 }),
    dpopProof(app.dpopKey, 'GET', url),
    dpopProof(app.dpopKey, 'POST', `${h.issuer}/elsewhere`),
  ];
  for (const proof of forged) {
    const response = await app.redeem(code, verifier, proof);
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_dpop_proof');
  }
  // The code survived the forged attempts and still works with an honest proof.
  assert.equal((await app.redeem(code, verifier)).status, 200);
});

test('oauth - an enrollment code works once', async () => {
  const { code } = await enrolledResident();
  const first = new ResidentApp(h.issuer);
  await first.enroll(code, password);
  const again = await new ResidentApp(h.issuer).authorize(
    'enroll',
    new URLSearchParams({ code, password: 'another password!' }),
  );
  assert.equal(again.status, 401);
  assert.equal(
    (await rowCount(
      "SELECT 1 FROM audit_log WHERE action = 'sign_in.failed' AND details->>'reason' = 'ENROLLMENT_CODE_INVALID'",
    )) >= 1,
    true,
  );
});

test('oauth - the resident signs in again later with id and password; wrong passwords are audited and lock', async () => {
  const { residentId, code } = await enrolledResident();
  await new ResidentApp(h.issuer).enroll(code, password);
  assert.ok(await new ResidentApp(h.issuer).login(residentId, password));
  for (let attempt = 1; attempt <= 5; attempt++) {
    const wrong = await new ResidentApp(h.issuer).authorize(
      'login',
      new URLSearchParams({ resident_id: residentId, password: 'wrong password!' }),
    );
    assert.equal(wrong.status, 401);
  }
  const locked = await new ResidentApp(h.issuer).authorize(
    'login',
    new URLSearchParams({ resident_id: residentId, password }),
  );
  assert.equal(locked.status, 401, 'the right password is refused while the account is locked');
  assert.equal(
    await rowCount("SELECT 1 FROM audit_log WHERE subject_id = $1 AND action = 'sign_in.failed'", [residentId]),
    6,
  );
});

test('oauth - credential requests with stale, future, replayed or private-key proofs are refused and write nothing', async () => {
  const { residentId, code } = await enrolledResident();
  const app = new ResidentApp(h.issuer);
  const token = await app.enroll(code, password);
  const now = Math.floor(Date.now() / 1000);
  for (const proofIatS of [now - 600, now + 600]) {
    const response = await app.requestCredential(token, { proofIatS });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_proof');
  }
  const nonce = ((await (await fetch(`${h.issuer}/challenge`, { method: 'POST' })).json()) as { c_nonce: string })
    .c_nonce;
  const withPrivate = signCompact(
    {
      typ: 'openid4vci-proof+jwt',
      alg: 'ES256',
      jwk: { ...app.deviceKey.publicJwk, d: app.deviceKey.privateKey.export({ format: 'jwk' }).d },
    },
    { aud: h.issuer, iat: now, nonce },
    app.deviceKey.privateKey,
  );
  assert.equal((await app.requestCredential(token, { proof: withPrivate })).status, 400);
  assert.equal(await rowCount('SELECT 1 FROM credentials WHERE resident_id = $1', [residentId]), 0);

  const proof = signCompact(
    { typ: 'openid4vci-proof+jwt', alg: 'ES256', jwk: app.deviceKey.publicJwk },
    { aud: h.issuer, iat: now, nonce },
    app.deviceKey.privateKey,
  );
  assert.equal((await app.requestCredential(token, { proof })).status, 200);
  const replay = await app.requestCredential(token, { proof });
  assert.equal(replay.status, 400);
  assert.equal(((await replay.json()) as { error: string }).error, 'invalid_proof');
  assert.equal(await rowCount('SELECT 1 FROM credentials WHERE resident_id = $1', [residentId]), 1);
});

test('oauth - a credential request without a DPoP proof or with a foreign token is refused', async () => {
  const { code } = await enrolledResident();
  const app = new ResidentApp(h.issuer);
  const token = await app.enroll(code, password);
  const bare = await fetch(`${h.issuer}/credential`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ credential_configuration_id: 'citypass_resident' }),
  });
  assert.equal(bare.status, 401);
  const stranger = new ResidentApp(h.issuer);
  const stolen = await stranger.credentialRequest(token, { credential_configuration_id: 'citypass_resident' });
  assert.equal(stolen.status, 401, 'a token bound to another key is useless');
});

test('oauth - oversized bodies are refused before they are read', async () => {
  const response = await fetch(`${h.issuer}/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `client_id=citypass-app&junk=${'a'.repeat(100_000)}`,
  });
  assert.equal(response.status, 413);
});

test('oauth - concurrent wrong passwords cannot get past the lockout', async () => {
  const { residentId, code } = await enrolledResident();
  await new ResidentApp(h.issuer).enroll(code, password);
  const pages = [];
  for (let i = 0; i < 12; i++) pages.push(await atSignInPage());
  const responses = await Promise.all(
    pages.map(({ app, path }, i) =>
      app.post(
        `${path}/login`,
        new URLSearchParams({ resident_id: residentId, password: i === 11 ? password : `wrong password ${i}` }),
      ),
    ),
  );
  const right = responses[11]?.status;
  assert.ok(responses.slice(0, 11).every((r) => r.status === 401));
  const row = (
    await db.query<{ failed_sign_ins: number; locked_until: Date | null }>(
      'SELECT failed_sign_ins, locked_until FROM residents WHERE id = $1',
      [residentId],
    )
  ).rows[0];
  assert.equal(row?.failed_sign_ins, 5);
  assert.ok((row.locked_until?.getTime() ?? 0) > Date.now(), 'the account ends locked');
  const audit = (
    await db.query<{ id: string; action: string; reason: string | null; locked: string | null }>(
      `SELECT id, action, details->>'reason' AS reason, details->>'locked' AS locked FROM audit_log
     WHERE subject_id = $1 AND action IN ('sign_in.failed', 'sign_in.succeeded') ORDER BY id`,
      [residentId],
    )
  ).rows;
  const checked = audit.filter((entry) => entry.reason === 'WRONG_PASSWORD').length;
  // One password check at a time: at most 4 failures before the right password, then 5 to lock; the rest
  // meet the lock without their password being checked.
  assert.ok(checked >= 5 && checked <= 9, `${checked} wrong passwords were checked`);
  assert.equal(audit.filter((entry) => entry.reason === 'LOCKED').length, 11 - checked + (right === 401 ? 1 : 0));
  const lockedAt = audit.findIndex((entry) => entry.locked === 'true');
  const succeededAt = audit.findIndex((entry) => entry.action === 'sign_in.succeeded');
  assert.equal(right === 303, succeededAt !== -1);
  if (succeededAt !== -1)
    assert.ok(succeededAt < lockedAt, 'the right password is refused once the fifth failure locked the account');
});

test('oauth - after a concurrent replay of an authorization code the winning token is dead too', async () => {
  for (let trial = 0; trial < 5; trial++) {
    const app = new ResidentApp(h.issuer);
    const { code, verifier } = await app.authorize(
      'enroll',
      new URLSearchParams({ code: (await enrolledResident()).code, password }),
    );
    const results = await Promise.all(Array.from({ length: 8 }, () => app.redeem(code, verifier)));
    const winner = results.find((r) => r.status === 200);
    if (winner === undefined) continue;
    const token = ((await winner.json()) as { access_token: string }).access_token;
    const credential = await app.requestCredential(token);
    assert.equal(credential.status, 401, `trial ${trial}: the winner's token still works`);
  }
});

const p256Order = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** The same ES256 JWS with s replaced by n - s: another signature that verifies (ECDSA malleability). */
function malleate(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((p256Order - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

test('oauth - a credential proof replayed with a malleated signature is refused', async () => {
  const { residentId, code } = await enrolledResident();
  const app = new ResidentApp(h.issuer);
  const token = await app.enroll(code, password);
  const nonce = ((await (await fetch(`${h.issuer}/challenge`, { method: 'POST' })).json()) as { c_nonce: string })
    .c_nonce;
  const proof = signCompact(
    { typ: 'openid4vci-proof+jwt', alg: 'ES256', jwk: app.deviceKey.publicJwk },
    { aud: h.issuer, iat: Math.floor(Date.now() / 1000), nonce },
    app.deviceKey.privateKey,
  );
  assert.equal((await app.requestCredential(token, { proof })).status, 200);
  const replay = await app.requestCredential(token, { proof: malleate(proof) });
  assert.equal(replay.status, 400);
  assert.equal(((await replay.json()) as { error: string }).error, 'invalid_proof');
  assert.equal(await rowCount('SELECT 1 FROM credentials WHERE resident_id = $1', [residentId]), 1);
});

test('oauth - X-Forwarded-Host is not trusted by default: a DPoP proof for another host is refused', async () => {
  const app = new ResidentApp(h.issuer);
  const { code, verifier } = await app.authorize(
    'enroll',
    new URLSearchParams({ code: (await enrolledResident()).code, password }),
  );
  const forwarded = await fetch(`${h.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      dpop: dpopProof(app.dpopKey, 'POST', 'https://wallet.evil.example/token'),
      'x-forwarded-host': 'wallet.evil.example',
      'x-forwarded-proto': 'https',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: 'citypass://auth/callback',
      client_id: 'citypass-app',
    }),
  });
  assert.equal(forwarded.status, 400);
  assert.equal(((await forwarded.json()) as { error: string }).error, 'invalid_dpop_proof');
  assert.equal((await app.redeem(code, verifier)).status, 200, 'the proof for the real URL works');
});
