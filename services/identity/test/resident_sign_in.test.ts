import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { decodeJws } from '@citypass/credential';
import { ResidentApp } from '../../../test/support/resident_app.ts';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
before(async () => { h = await startHarness(); });
after(async () => { await h.stop(); });

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
