import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { after, before, mock, test } from 'node:test';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { decodeJws } from '@citypass/credential';
import { pkcePair } from '@citypass/phone';
import { ResidentApp } from '@citypass/phone';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.stop();
});

async function newResident(key = `create-${Math.random()}`): Promise<{ residentId: string; code: string }> {
  const created = await h.operator.createResident({
    idempotencyKey: key,
    givenName: 'Ada',
    familyName: 'Lovelace',
    birthDate: '1990-12-10',
    concessionClass: ConcessionClass.CONCESSION_CLASS_STUDENT,
    coveragePlanRef: 'plan-basic',
  });
  assert.ok(created.resident && created.enrollmentCode);
  return { residentId: created.resident.residentId, code: created.enrollmentCode.code };
}

test('sign-in - enroll with the code, get a DPoP token, receive a device-bound credential', async () => {
  const { residentId, code } = await newResident();
  const app = new ResidentApp(h.issuer);
  const accessToken = await app.enroll(code, 'correct horse battery');
  const response = await app.requestCredential(accessToken);
  assert.equal(response.status, 200, await response.clone().text());
  const { credentials } = (await response.json()) as { credentials: { credential: string }[] };
  const credential = credentials[0]?.credential ?? '';
  const decoded = decodeJws(credential, 4096);
  assert.equal(decoded.header.typ, 'dc+sd-jwt');
  assert.equal(decoded.payload.sub, residentId);
  assert.equal(decoded.payload.iss, h.issuer);
  assert.equal(decoded.payload.concession, 'student');
  assert.deepEqual((decoded.payload.cnf as { jwk: unknown }).jwk, app.deviceKey.publicJwk);
});

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

/** argon2 jobs the process starts (this process runs identity) while `work` runs. */
async function argon2JobsDuring(work: () => Promise<void>): Promise<number> {
  let jobs = 0;
  const hook = createHook({
    init: (_id, type) => {
      if (type === 'ARGON2REQUEST') jobs++;
    },
  }).enable();
  try {
    await work();
  } finally {
    hook.disable();
  }
  return jobs;
}

test('sign-in - a wrong enrollment code is refused before any password is hashed', async () => {
  const { app, path } = await atSignInPage();
  const jobs = await argon2JobsDuring(async () => {
    const response = await app.post(
      `${path}/enroll`,
      new URLSearchParams({ code: 'AAAA-AAAA-AAAA', password: 'whatever password' }),
    );
    assert.equal(response.status, 401);
  });
  assert.equal(jobs, 0);
  const { code } = await newResident();
  const honest = await atSignInPage();
  const honestJobs = await argon2JobsDuring(async () => {
    assert.equal(
      (await honest.app.post(`${honest.path}/enroll`, new URLSearchParams({ code, password: 'correct horse battery' })))
        .status,
      303,
    );
  });
  assert.equal(honestJobs, 1, 'a right code hashes the new password once');
});

test('sign-in - interaction pages without their cookie say the link is no longer valid, and log no error', async () => {
  const { path } = await atSignInPage();
  const stdout = mock.method(process.stdout, 'write');
  try {
    for (const response of [
      await fetch(`${h.issuer}${path}`),
      await fetch(`${h.issuer}${path}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'resident_id=x&password=y',
      }),
      await fetch(`${h.issuer}/interaction/unknown-uid`),
    ]) {
      assert.equal(response.status, 400);
      assert.match(await response.text(), /no longer valid/);
    }
  } finally {
    stdout.mock.restore();
  }
  const errors = stdout.mock.calls
    .map((call) => String(call.arguments[0]))
    .filter((line) => line.includes('"level":"error"'));
  assert.deepEqual(errors, []);
});
