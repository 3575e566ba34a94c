// ListCredentials against a running identity: a resident who enrolled a phone, moved to a second (the first's
// credential superseded), had that one revoked by an operator and got a third, listed newest first with each
// device's thumbprint and the revocation's reason; keyset pages bound to the resident; bad input refused; the scope
// checks of GetResident; each page one range scan of its index (EXPLAIN).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { jwkThumbprint } from '@citypass/credential';
import type { PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { ResidentApp } from '@citypass/phone';
import {
  ConcessionClass,
  IdentityServiceService,
  OperatorRole,
  type ResidentCredential,
} from '@citypass/proto/identity/v1/identity';
import { credentialPageQuery } from '../src/store/credential_pages.ts';
import { consoleClientEnv, scopedOperator, type ConsoleClient } from './console_sign_in.ts';
import { secret, startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let db: pg.Client;
let client: ConsoleClient;
const opened: PromiseClient<typeof IdentityServiceService>[] = [];
const password = 'correct horse battery';

/** The resident, their three phones' device thumbprints (oldest first) and credential ids. */
let residentId = '';
const thumbprints: string[] = [];
const credentialIds: string[] = [];

async function createResident(givenName: string): Promise<{ residentId: string; code: string }> {
  const created = await h.operator.createResident({
    idempotencyKey: randomBytes(12).toString('hex'),
    givenName,
    familyName: 'Franklin',
    birthDate: '1920-07-25',
    concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
    coveragePlanRef: '',
  });
  return { residentId: created.resident?.residentId ?? '', code: created.enrollmentCode?.code ?? '' };
}

/** A phone gets a credential with `token`; records its device and the credential's id. */
async function credentialOn(app: ResidentApp, token: string): Promise<void> {
  await app.issueCredential(token);
  thumbprints.push(jwkThumbprint(app.deviceKey.publicJwk));
  credentialIds.push((await h.operator.getResident({ residentId })).activeCredential?.credentialId ?? '');
}

before(async () => {
  const clientSecret = secret();
  const env = consoleClientEnv(clientSecret);
  h = await startHarness(env);
  client = { issuer: h.issuer, clientId: 'console', clientSecret, redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS };
  db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
  await h.operator.onboardService({
    idempotencyKey: 'onboard-parking',
    name: 'parking',
    displayName: 'Parking',
    contactEmail: 'ops@parking.example',
    extraScopes: [],
    jwksJson: '',
    location: undefined,
  });
  const created = await createResident('Rosalind');
  residentId = created.residentId;
  const first = new ResidentApp(h.issuer);
  await credentialOn(first, await first.enroll(created.code, password));
  const second = new ResidentApp(h.issuer);
  await credentialOn(second, await second.login(residentId, password));
  await h.operator.revokeCredential({ credentialId: credentialIds[1] ?? '', reason: 'phone reported stolen' });
  const third = new ResidentApp(h.issuer);
  await credentialOn(third, await third.login(residentId, password));
});
after(async () => {
  for (const each of opened) each.close();
  await db.end();
  await h.stop();
});

const summary = (credential: ResidentCredential) => ({
  id: credential.credential?.credentialId,
  status: credential.credential?.status,
  revokedBy: credential.revokedBy,
  reason: credential.credential?.revocationReason,
  device: credential.deviceThumbprint,
});

test('list credentials - newest first: active, revoked by an operator with the reason, superseded by a new phone', async () => {
  assert.equal(new Set(thumbprints).size, 3, 'three phones, three device keys');
  const listed = await h.operator.listCredentials({ residentId, pageSize: 0, pageToken: '' });
  assert.deepEqual(listed.credentials.map(summary), [
    { id: credentialIds[2], status: 'active', revokedBy: '', reason: '', device: thumbprints[2] },
    {
      id: credentialIds[1],
      status: 'revoked',
      revokedBy: 'operator',
      reason: 'phone reported stolen',
      device: thumbprints[1],
    },
    { id: credentialIds[0], status: 'revoked', revokedBy: 'superseded', reason: 'new device', device: thumbprints[0] },
  ]);
  assert.equal(listed.nextPageToken, '');
  const [active, stolen] = listed.credentials;
  assert.equal(active?.credential?.revokedAt, undefined);
  assert.ok((active?.credential?.expiresAt?.getTime() ?? 0) > Date.now());
  assert.ok((stolen?.credential?.revokedAt?.getTime() ?? 0) >= (stolen?.credential?.issuedAt?.getTime() ?? Infinity));
  assert.match(active?.signingKid ?? '', /\S/);
  // A resident with no phone yet has an empty list.
  const fresh = await createResident('Dorothy');
  assert.deepEqual(await h.operator.listCredentials({ residentId: fresh.residentId, pageSize: 0, pageToken: '' }), {
    credentials: [],
    nextPageToken: '',
  });
});

test('list credentials - pages of two follow their token to the end, each credential once, in order', async () => {
  const first = await h.operator.listCredentials({ residentId, pageSize: 2, pageToken: '' });
  assert.deepEqual(
    first.credentials.map((credential) => credential.credential?.credentialId),
    [credentialIds[2], credentialIds[1]],
  );
  assert.notEqual(first.nextPageToken, '');
  const second = await h.operator.listCredentials({ residentId, pageSize: 2, pageToken: first.nextPageToken });
  assert.deepEqual(
    second.credentials.map((credential) => credential.credential?.credentialId),
    [credentialIds[0]],
  );
  assert.equal(second.nextPageToken, '');
});

test("list credentials - a bad or unknown resident id, a page too large, another resident's or a forged token are refused", async () => {
  const other = await createResident('Lise');
  const firstPage = await h.operator.listCredentials({ residentId, pageSize: 1, pageToken: '' });
  const refusals = [
    [{ residentId: 'not-a-uuid', pageSize: 0, pageToken: '' }, 'invalid_argument', 'RESIDENT_ID_INVALID'],
    [{ residentId: randomUUID(), pageSize: 0, pageToken: '' }, 'not_found', 'RESIDENT_NOT_FOUND'],
    [{ residentId, pageSize: 201, pageToken: '' }, 'invalid_argument', 'PAGE_SIZE_TOO_LARGE'],
    [
      { residentId: other.residentId, pageSize: 1, pageToken: firstPage.nextPageToken },
      'invalid_argument',
      'PAGE_TOKEN_INVALID',
    ],
    [{ residentId, pageSize: 1, pageToken: 'forged!' }, 'invalid_argument', 'PAGE_TOKEN_INVALID'],
  ] as const;
  for (const [request, kind, reason] of refusals)
    assert.deepEqual(await refusalOf(h.operator.listCredentials(request)), { kind, reason }, JSON.stringify(request));
});

test('list credentials - scoped like GetResident: unscoped support reads it, merchant- or department-scoped operators are refused', async () => {
  const support = await scopedOperator(h, client, 'sue', [OperatorRole.OPERATOR_ROLE_SUPPORT], {});
  opened.push(support.identity);
  const listed = await support.identity.listCredentials({ residentId, pageSize: 0, pageToken: '' });
  assert.equal(listed.credentials.length, 3);
  const outOfScope = { kind: 'permission_denied', reason: 'OPERATOR_OUT_OF_SCOPE' };
  for (const [username, scope] of [
    ['mia', { merchant: 'parking' }],
    ['dan', { department: 'transit' }],
  ] as const) {
    const scoped = await scopedOperator(h, client, username, [OperatorRole.OPERATOR_ROLE_ADMIN], scope);
    opened.push(scoped.identity);
    const request = { residentId, pageSize: 0, pageToken: '' };
    assert.deepEqual(await refusalOf(scoped.identity.listCredentials(request)), outOfScope, username);
    assert.deepEqual(await refusalOf(scoped.identity.getResident({ residentId })), outOfScope, username);
  }
  assert.deepEqual(await refusalOf(h.anonymous.listCredentials({ residentId, pageSize: 0, pageToken: '' })), {
    kind: 'unauthenticated',
    reason: (await refusalOf(h.anonymous.getResident({ residentId }))).reason,
  });
});

test('list credentials plan - the first page and a page after a token are range scans of credentials_by_resident with no sort', async () => {
  await db.query('SET enable_seqscan = off');
  await db.query('SET enable_sort = off');
  for (const afterId of [undefined, credentialIds[1]]) {
    const query = credentialPageQuery({ residentId, afterId, limit: 50 });
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.text}`, query.values);
    const text = rows.map((row) => row['QUERY PLAN']).join('\n');
    assert.match(text, /Index Scan using credentials_by_resident on credentials c/, text);
    assert.doesNotMatch(text, /Sort|Seq Scan/, text);
    if (afterId !== undefined) assert.match(text, /Index Cond: .*status_index < \$/, text);
  }
});
