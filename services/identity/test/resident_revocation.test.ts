// A resident revokes a credential (a lost phone's) with the DPoP-bound token of the app.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { decodeJws, IssuerKeys, verifyJwsSignature } from '@citypass/credential';
import { dpopProof } from '@citypass/phone';
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

async function residentWithCredential(): Promise<{
  app: ResidentApp;
  token: string;
  residentId: string;
  credentialId: string;
  credential: string;
}> {
  const created = await h.operator.createResident({
    idempotencyKey: randomBytes(12).toString('hex'),
    givenName: 'Katherine',
    familyName: 'Johnson',
    birthDate: '1918-08-26',
    concessionClass: ConcessionClass.CONCESSION_CLASS_SENIOR,
    coveragePlanRef: '',
  });
  const residentId = created.resident?.residentId ?? '';
  const app = new ResidentApp(h.issuer);
  const token = await app.enroll(created.enrollmentCode?.code ?? '', password);
  const issued = await app.requestCredential(token);
  assert.equal(issued.status, 200);
  const credential =
    ((await issued.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';
  const credentialId = (await h.operator.getResident({ residentId })).activeCredential?.credentialId ?? '';
  return { app, token, residentId, credentialId, credential };
}

function revoke(
  app: ResidentApp,
  token: string,
  credentialId: string,
  proof = dpopProof(app.dpopKey, 'POST', `${h.issuer}/credential/revoke`, { accessToken: token }),
): Promise<Response> {
  return fetch(`${h.issuer}/credential/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `DPoP ${token}`, dpop: proof },
    body: JSON.stringify({ credential_id: credentialId }),
  });
}

test('resident revocation - the resident revokes their own credential', async () => {
  const alice = await residentWithCredential();
  const response = await revoke(alice.app, alice.token, alice.credentialId);
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(((await response.json()) as { status: string }).status, 'revoked');
  assert.equal(
    (await h.operator.getCredentialStatus({ credentialId: alice.credentialId })).credential?.status,
    'revoked',
  );
  const audit = await h.operator.listAuditEvents({
    subjectId: alice.credentialId,
    action: 'credential.revoked',
    pageSize: 10,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.equal(audit.events[0]?.actor, `resident:${alice.residentId}`);
});

test('resident revocation - another resident credential, missing or replayed proofs, foreign keys are refused', async () => {
  const alice = await residentWithCredential();
  const bob = await residentWithCredential();
  const foreign = await revoke(alice.app, alice.token, bob.credentialId);
  assert.equal(foreign.status, 404);
  assert.equal(((await foreign.json()) as { reason: string }).reason, 'CREDENTIAL_NOT_FOUND');

  const bearerOnly = await fetch(`${h.issuer}/credential/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.token}` },
    body: JSON.stringify({ credential_id: alice.credentialId }),
  });
  assert.equal(bearerOnly.status, 401);

  const proof = dpopProof(alice.app.dpopKey, 'POST', `${h.issuer}/credential/revoke`, { accessToken: alice.token });
  assert.equal((await revoke(alice.app, alice.token, 'not-a-uuid', proof)).status, 400);
  const replayed = await revoke(alice.app, alice.token, alice.credentialId, proof);
  assert.equal(replayed.status, 401);
  assert.equal(((await replayed.json()) as { reason: string }).reason, 'DPOP_PROOF_REPLAYED');

  const stale = dpopProof(alice.app.dpopKey, 'POST', `${h.issuer}/credential/revoke`, {
    accessToken: alice.token,
    iatS: Math.floor(Date.now() / 1000) - 600,
  });
  assert.equal(
    ((await (await revoke(alice.app, alice.token, alice.credentialId, stale)).json()) as { reason: string }).reason,
    'DPOP_PROOF_STALE',
  );

  const wrongKey = dpopProof(bob.app.dpopKey, 'POST', `${h.issuer}/credential/revoke`, { accessToken: alice.token });
  assert.equal(
    ((await (await revoke(alice.app, alice.token, alice.credentialId, wrongKey)).json()) as { reason: string }).reason,
    'DPOP_KEY_MISMATCH',
  );

  const otherUrl = dpopProof(alice.app.dpopKey, 'POST', `${h.issuer}/credential`, { accessToken: alice.token });
  assert.equal(
    ((await (await revoke(alice.app, alice.token, alice.credentialId, otherUrl)).json()) as { reason: string }).reason,
    'DPOP_PROOF_INVALID',
  );

  assert.equal(
    (await h.operator.getCredentialStatus({ credentialId: alice.credentialId })).credential?.status,
    'active',
  );
  assert.equal((await h.operator.getCredentialStatus({ credentialId: bob.credentialId })).credential?.status, 'active');
});

test('resident revocation - the signed status list marks revoked credentials only', async () => {
  const alice = await residentWithCredential();
  const bob = await residentWithCredential();
  assert.equal((await revoke(alice.app, alice.token, alice.credentialId)).status, 200);
  const indexOf = (credential: string): number =>
    (decodeJws(credential, 4096).payload.status as { status_list: { idx: number } }).status_list.idx;
  const uri = (decodeJws(alice.credential, 4096).payload.status as { status_list: { uri: string } }).status_list.uri;
  assert.equal(uri, `${h.issuer}/status`);
  const response = await fetch(uri);
  assert.equal(response.headers.get('content-type'), 'application/statuslist+jwt');
  const statusList = decodeJws(await response.text(), 1 << 20);
  const keys = new IssuerKeys({ jwks: await (await fetch(`${h.issuer}/jwks`)).json() });
  assert.ok(verifyJwsSignature(statusList, await keys.resolve(String(statusList.header.kid))));
  assert.equal(statusList.header.typ, 'statuslist+jwt');
  const { bits, lst } = statusList.payload.status_list as { bits: number; lst: string };
  assert.equal(bits, 1);
  const bytes = inflateSync(Buffer.from(lst, 'base64url'));
  const bit = (index: number): number => ((bytes[index >> 3] ?? 0) >> (index & 7)) & 1;
  assert.equal(bit(indexOf(alice.credential)), 1);
  assert.equal(bit(indexOf(bob.credential)), 0);
});

test('resident revocation - an oversized or malformed body is refused before the DPoP proof is spent', async () => {
  const alice = await residentWithCredential();
  const url = `${h.issuer}/credential/revoke`;
  const proof = dpopProof(alice.app.dpopKey, 'POST', url, { accessToken: alice.token });
  const headers = { 'content-type': 'application/json', authorization: `DPoP ${alice.token}`, dpop: proof };
  // Chunked, so no content-length tells the server the size up front.
  const oversized = new TextEncoder().encode(
    JSON.stringify({ credential_id: alice.credentialId, pad: 'a'.repeat(5000) }),
  );
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(oversized);
      controller.close();
    },
  });
  const tooLarge = await fetch(url, { method: 'POST', headers, body, duplex: 'half' });
  assert.equal(tooLarge.status, 413);
  assert.equal(((await tooLarge.json()) as { reason: string }).reason, 'BODY_TOO_LARGE');
  for (const text of ['{"credential_id":', '[]', '']) {
    const malformed = await fetch(url, { method: 'POST', headers, body: text });
    assert.equal(malformed.status, 400, text);
    assert.equal(((await malformed.json()) as { reason: string }).reason, 'BODY_INVALID');
  }
  assert.equal(
    (await h.operator.getCredentialStatus({ credentialId: alice.credentialId })).credential?.status,
    'active',
  );
  const response = await revoke(alice.app, alice.token, alice.credentialId, proof);
  assert.equal(response.status, 200, 'the proof was not spent by the refused bodies');
});
