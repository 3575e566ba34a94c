// The operators' gRPC API against a running identity: authentication, bad input, idempotency, onboarding,
// revocation reaching watching verifiers, one credential per phone, audit, key rotation.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { Kvm } from '@nats-io/kv';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ConcessionClass, ServiceOnboarded, type CreateResidentRequest } from '@citypass/proto/identity/v1/identity';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { decodeJws, RevocationSet, watchRevocations } from '@citypass/credential';
import { DomainError } from '@citypass/platform/errors';
import { bearer } from '@citypass/platform/grpc';
import { signCompact } from '@citypass/phone';
import { ResidentApp } from '@citypass/phone';
import { openStatusBucket, resyncStatusBucket } from '../src/bus/status_mirror.ts';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let db: pg.Client;
let nc: NatsConnection;
before(async () => {
  h = await startHarness();
  db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
  nc = await connect({ servers: h.nats.url });
});
after(async () => {
  await nc.close();
  await db.end();
  await h.stop();
});

const residentRequest = (overrides: Partial<CreateResidentRequest> = {}): CreateResidentRequest => ({
  idempotencyKey: randomBytes(12).toString('hex'),
  givenName: 'Alan',
  familyName: 'Turing',
  birthDate: '1912-06-23',
  concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
  coveragePlanRef: 'plan-gold',
  ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<{ kind: string; reason: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    return { kind: error.kind, reason: error.reason };
  }
  assert.fail('expected a rejection');
}

const count = async (sql: string, values: unknown[] = []): Promise<number> =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) s`, values)).rows[0]?.n);

test('operator api - calls without a token, with a garbage token or without the admin scope are refused', async () => {
  assert.deepEqual(await rejection(h.anonymous.createResident(residentRequest())), {
    kind: 'unauthenticated',
    reason: 'TOKEN_MISSING',
  });
  assert.deepEqual(await rejection(h.anonymous.createResident(residentRequest(), { metadata: bearer('not.a.jwt') })), {
    kind: 'unauthenticated',
    reason: 'TOKEN_INVALID',
  });
  const onboarded = await h.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name: 'snoop',
    displayName: '',
    contactEmail: 'ops@snoop.example',
    extraScopes: [],
    jwksJson: '',
    location: undefined,
  });
  const walletToken = await h.clientCredentialsToken(
    'snoop',
    onboarded.clientSecret,
    'urn:citypass:wallet',
    'charge:snoop',
  );
  const token = ((await walletToken.json()) as { access_token: string }).access_token;
  assert.deepEqual(
    await rejection(
      h.anonymous.getResident({ residentId: randomBytes(16).toString('hex') }, { metadata: bearer(token) }),
    ),
    { kind: 'unauthenticated', reason: 'TOKEN_INVALID' },
    'a wallet token is not an identity token',
  );
  const stolen = await h.clientCredentialsToken(
    'snoop',
    onboarded.clientSecret,
    'urn:citypass:identity',
    'identity:admin',
  );
  const stolenToken = ((await stolen.json()) as { access_token?: string }).access_token ?? '';
  assert.deepEqual(
    await rejection(h.anonymous.createResident(residentRequest(), { metadata: bearer(stolenToken) })),
    stolenToken === ''
      ? { kind: 'unauthenticated', reason: 'TOKEN_INVALID' }
      : { kind: 'permission_denied', reason: 'SCOPE_MISSING' },
  );
  assert.equal(await count("SELECT 1 FROM residents WHERE family_name = 'Turing'"), 0);
});

test('operator api - bad resident input is refused with a reason and writes nothing', async () => {
  const cases: [Partial<CreateResidentRequest>, string][] = [
    [{ idempotencyKey: '' }, 'IDEMPOTENCY_KEY_INVALID'],
    [{ givenName: '' }, 'GIVEN_NAME_INVALID'],
    [{ birthDate: '2999-01-01' }, 'BIRTH_DATE_INVALID'],
    [{ birthDate: '1912-02-30' }, 'BIRTH_DATE_INVALID'],
    [{ concessionClass: ConcessionClass.CONCESSION_CLASS_UNSPECIFIED }, 'CONCESSION_CLASS_INVALID'],
    [{ coveragePlanRef: 'a b' }, 'COVERAGE_PLAN_REF_INVALID'],
  ];
  for (const [overrides, reason] of cases) {
    assert.deepEqual(
      await rejection(h.operator.createResident(residentRequest({ familyName: 'Nobody', ...overrides }))),
      { kind: 'invalid_argument', reason },
    );
  }
  assert.deepEqual(await rejection(h.operator.getResident({ residentId: 'nope' })), {
    kind: 'invalid_argument',
    reason: 'RESIDENT_ID_INVALID',
  });
  assert.deepEqual(await rejection(h.operator.getResident({ residentId: '00000000-0000-4000-8000-000000000000' })), {
    kind: 'not_found',
    reason: 'RESIDENT_NOT_FOUND',
  });
  assert.deepEqual(
    await rejection(h.operator.revokeCredential({ credentialId: '00000000-0000-4000-8000-000000000000', reason: '' })),
    { kind: 'not_found', reason: 'CREDENTIAL_NOT_FOUND' },
  );
  assert.equal(await count("SELECT 1 FROM residents WHERE family_name = 'Nobody'"), 0);
});

test('operator api - request strings are bounded at the edge: 1,024 characters, jwks_json 16,384', async () => {
  const tooLong = { kind: 'invalid_argument', reason: 'FIELD_TOO_LONG' };
  assert.deepEqual(
    await rejection(
      h.operator.createResident(residentRequest({ familyName: 'Nobody', coveragePlanRef: 'p'.repeat(1_025) })),
    ),
    tooLong,
  );
  assert.deepEqual(
    await rejection(h.operator.revokeCredential({ credentialId: 'c'.repeat(80_000), reason: '' })),
    tooLong,
  );
  const onboard = (jwksJson: string): Promise<unknown> =>
    h.operator.onboardService({
      idempotencyKey: randomBytes(8).toString('hex'),
      name: 'limits',
      displayName: '',
      contactEmail: 'ops@limits.example',
      extraScopes: [],
      jwksJson,
      location: undefined,
    });
  const padded = (length: number): string => `{"keys":[],"pad":"${'x'.repeat(length - 20)}"}`;
  assert.equal(padded(16_384).length, 16_384);
  assert.deepEqual(await rejection(onboard(padded(16_384))), { kind: 'invalid_argument', reason: 'JWKS_INVALID' });
  assert.deepEqual(await rejection(onboard(padded(16_385))), tooLong);
  assert.equal(await count("SELECT 1 FROM residents WHERE family_name = 'Nobody'"), 0);
});

test('operator api - create resident is idempotent: same key same answer, same key other request refused', async () => {
  const request = residentRequest();
  const [first, second] = await Promise.all([h.operator.createResident(request), h.operator.createResident(request)]);
  assert.deepEqual(second, first, 'concurrent repeats return the first result');
  assert.deepEqual(await h.operator.createResident(request), first);
  assert.deepEqual(await rejection(h.operator.createResident({ ...request, givenName: 'Someone Else' })), {
    kind: 'already_exists',
    reason: 'IDEMPOTENCY_KEY_REUSED',
  });
  assert.equal(await count('SELECT 1 FROM residents WHERE id = $1', [first.resident?.residentId]), 1);
  assert.equal(await count('SELECT 1 FROM enrollment_codes WHERE resident_id = $1', [first.resident?.residentId]), 1);
});

test('operator api - onboarding a service gives it a client, a charge-scoped JWT and an onboarded event', async () => {
  const stream = h.config.IDENTITY_STREAM;
  const onboarded = await h.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name: 'parking',
    displayName: 'City Parking',
    contactEmail: 'ops@parking.example',
    extraScopes: ['refund:parking'],
    jwksJson: '',
    location: undefined,
  });
  assert.deepEqual(onboarded.scopes, ['charge:parking', 'refund:parking']);
  assert.equal(onboarded.tokenEndpointAuthMethod, 'client_secret_basic');
  const response = await h.clientCredentialsToken(
    'parking',
    onboarded.clientSecret,
    'urn:citypass:wallet',
    'charge:parking',
  );
  assert.equal(response.status, 200, await response.clone().text());
  const jwt = decodeJws(((await response.json()) as { access_token: string }).access_token, 8192);
  assert.equal(jwt.header.typ, 'at+jwt');
  assert.equal(jwt.payload.aud, 'urn:citypass:wallet');
  assert.equal(jwt.payload.scope, 'charge:parking');
  assert.equal(jwt.payload.client_id, 'parking');
  const foreign = await h.clientCredentialsToken(
    'parking',
    onboarded.clientSecret,
    'urn:citypass:wallet',
    'charge:transit',
  );
  // OAuth lets the server grant fewer scopes than asked: the token carries none of another service's.
  const foreignToken = (await foreign.json()) as { access_token?: string; scope?: string };
  assert.equal(foreignToken.scope, undefined);
  if (foreignToken.access_token) assert.equal(decodeJws(foreignToken.access_token, 8192).payload.scope, undefined);
  const wrongSecret = await h.clientCredentialsToken(
    'parking',
    'x'.repeat(43),
    'urn:citypass:wallet',
    'charge:parking',
  );
  assert.equal(wrongSecret.status, 401);
  assert.deepEqual(
    await rejection(
      h.operator.onboardService({
        idempotencyKey: randomBytes(8).toString('hex'),
        name: 'parking',
        displayName: '',
        contactEmail: 'ops@parking.example',
        extraScopes: [],
        jwksJson: '',
        location: undefined,
      }),
    ),
    { kind: 'already_exists', reason: 'SERVICE_EXISTS' },
  );
  assert.deepEqual(
    await rejection(
      h.operator.onboardService({
        idempotencyKey: randomBytes(8).toString('hex'),
        name: 'bikes',
        displayName: '',
        contactEmail: 'ops@bikes.example',
        extraScopes: [],
        jwksJson: '{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}]}',
        location: undefined,
      }),
    ),
    { kind: 'invalid_argument', reason: 'JWKS_PRIVATE_KEY' },
  );
  assert.deepEqual(
    await rejection(
      h.operator.onboardService({
        idempotencyKey: randomBytes(8).toString('hex'),
        name: 'bikes',
        displayName: '',
        contactEmail: 'ops@bikes.example',
        extraScopes: [],
        jwksJson: JSON.stringify({
          keys: [
            {
              ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
              kid: 'a\u0000b',
            },
          ],
        }),
        location: undefined,
      }),
    ),
    { kind: 'invalid_argument', reason: 'JWKS_INVALID' },
  );
  // A counter's location past the poles or the antimeridian is refused.
  for (const [latitudeMicrodegrees, longitudeMicrodegrees] of [
    [90_000_001, 8_930_000],
    [44_410_000, -180_000_001],
  ] as const)
    assert.deepEqual(
      await rejection(
        h.operator.onboardService({
          idempotencyKey: randomBytes(8).toString('hex'),
          name: 'bikes',
          displayName: '',
          contactEmail: 'ops@bikes.example',
          extraScopes: [],
          jwksJson: '',
          location: { latitudeMicrodegrees, longitudeMicrodegrees },
        }),
      ),
      { kind: 'invalid_argument', reason: 'LOCATION_INVALID' },
    );
  assert.deepEqual(await rejection(h.operator.createResident(residentRequest({ givenName: 'A\u0000da' }))), {
    kind: 'invalid_argument',
    reason: 'GIVEN_NAME_INVALID',
  });
  const js = jetstream(nc);
  const consumer = await js.consumers
    .get(stream, { filter_subjects: ['identity.v1.events.service.onboarded'] })
    .catch(() => js.consumers.get(stream));
  const events: ServiceOnboarded[] = [];
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && !events.some((e) => e.serviceName === 'parking')) {
    const message = await consumer.next({ expires: 1_000 });
    if (message?.subject === 'identity.v1.events.service.onboarded') {
      const envelope = EventEnvelope.decode(message.data);
      assert.equal(message.headers?.get('Nats-Msg-Id'), envelope.id);
      events.push(ServiceOnboarded.decode(envelope.payload));
    }
  }
  assert.deepEqual(events.find((e) => e.serviceName === 'parking')?.scopes, ['charge:parking', 'refund:parking']);
  assert.equal(
    await count("SELECT 1 FROM oidc_payloads WHERE model = 'Client' AND payload::text LIKE $1", [
      `%${onboarded.clientSecret}%`,
    ]),
    0,
    'secret not stored in clear',
  );
});

test('operator api - a service onboarded with its public key authenticates with private_key_jwt', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'shop-1', alg: 'ES256', use: 'sig' };
  const onboarded = await h.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name: 'grocery',
    displayName: 'Corner grocery',
    contactEmail: 'ops@grocery.example',
    extraScopes: [],
    jwksJson: JSON.stringify({ keys: [jwk] }),
    location: undefined,
  });
  assert.equal(onboarded.tokenEndpointAuthMethod, 'private_key_jwt');
  assert.equal(onboarded.clientSecret, '', 'no secret is issued for key-based clients');
  const assertion = (jti: string): string =>
    signCompact(
      { alg: 'ES256', kid: 'shop-1' },
      {
        iss: 'grocery',
        sub: 'grocery',
        aud: h.issuer,
        jti,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 60,
      },
      privateKey,
    );
  const request = (clientAssertion: string): Promise<Response> =>
    fetch(`${h.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: 'urn:citypass:wallet',
        scope: 'charge:grocery',
        client_id: 'grocery',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
      }),
    });
  const signed = assertion(randomBytes(8).toString('hex'));
  const response = await request(signed);
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(
    decodeJws(((await response.json()) as { access_token: string }).access_token, 8192).payload.scope,
    'charge:grocery',
  );
  assert.equal((await request(signed)).status, 401, 'a client assertion is single use');
});

test('operator api - a revocation reaches a watching verifier within a second; a new phone replaces the old credential', async () => {
  const created = await h.operator.createResident(residentRequest());
  const residentId = created.resident?.residentId ?? '';
  const phone = new ResidentApp(h.issuer);
  const token = await phone.enroll(created.enrollmentCode?.code ?? '', 'correct horse battery');
  assert.equal((await phone.requestCredential(token)).status, 200);
  const first = (await h.operator.getResident({ residentId })).activeCredential;
  assert.ok(first);
  assert.equal(first.status, 'active');

  const revoked = new RevocationSet();
  const kv = await new Kvm(jetstream(nc)).open(h.config.IDENTITY_STATUS_BUCKET);
  const watch = await watchRevocations(kv, revoked);
  try {
    const newPhone = new ResidentApp(h.issuer);
    const token2 = await newPhone.login(residentId, 'correct horse battery');
    assert.equal((await newPhone.requestCredential(token2)).status, 200);
    const second = (await h.operator.getResident({ residentId })).activeCredential;
    assert.notEqual(second?.credentialId, first.credentialId);
    assert.equal(
      (await h.operator.getCredentialStatus({ credentialId: first.credentialId })).credential?.status,
      'revoked',
    );
    await waitUntil(() => revoked.isRevoked(first.credentialId), 1_000, 'replaced credential in the KV bucket');

    const started = Date.now();
    const result = await h.operator.revokeCredential({
      credentialId: second?.credentialId ?? '',
      reason: 'phone stolen',
    });
    assert.equal(result.credential?.status, 'revoked');
    await waitUntil(() => revoked.isRevoked(second?.credentialId ?? ''), 1_000, 'operator revocation in the KV bucket');
    console.log(`# revocation visible to a watching verifier after ${Date.now() - started} ms`);
    const again = await h.operator.revokeCredential({ credentialId: second?.credentialId ?? '', reason: 'again' });
    assert.equal(again.credential?.revocationReason, 'phone stolen', 'revoking twice keeps the first revocation');
  } finally {
    await watch.stop();
  }
  assert.equal(
    await count("SELECT 1 FROM audit_log WHERE action = 'credential.revoked' AND subject_id = ANY($1)", [
      [first.credentialId],
    ]),
    1,
  );
});

test('operator api - the audit log is listed newest first and cannot be changed', async () => {
  const page = await h.operator.listAuditEvents({
    subjectId: '',
    action: 'resident.created',
    pageSize: 2,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.equal(page.events.length, 2);
  assert.ok(page.nextPageToken);
  const next = await h.operator.listAuditEvents({
    subjectId: '',
    action: 'resident.created',
    pageSize: 2,
    pageToken: page.nextPageToken,
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.ok(BigInt(next.events[0]?.id ?? '0') < BigInt(page.events[1]?.id ?? '0'));
  await assert.rejects(db.query('UPDATE audit_log SET actor = $1', ['mallory']), /append-only/);
  await assert.rejects(db.query('DELETE FROM audit_log'), /append-only/);
  const text = JSON.stringify(
    (
      await h.operator.listAuditEvents({
        subjectId: '',
        action: '',
        pageSize: 500,
        pageToken: '',
        actionPrefix: '',
        subjectPrefix: '',
        occurredFrom: undefined,
        occurredBefore: undefined,
        actor: '',
      })
    ).events,
  );
  assert.equal(text.includes('correct horse battery'), false, 'no password in the audit log');
});

test('operator api - onboarding with a key oidc-provider could not import is refused and writes nothing', async () => {
  const rsa = (bits: number): Record<string, unknown> => ({
    ...generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }),
    kid: 'k1',
  });
  const cases: [string, Record<string, unknown>, string][] = [
    ['bad-point', { kty: 'EC', crv: 'P-256', x: 'zz', y: 'zz', kid: 'k1' }, 'JWKS_INVALID'],
    [
      'off-curve',
      {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.alloc(32, 1).toString('base64url'),
        y: Buffer.alloc(32, 1).toString('base64url'),
      },
      'JWKS_INVALID',
    ],
    ['no-modulus', { kty: 'RSA', kid: 'k1' }, 'JWKS_INVALID'],
    ['short-rsa', rsa(1024), 'JWKS_INVALID'],
    ['multi-prime', { ...rsa(2048), oth: [] }, 'JWKS_PRIVATE_KEY'],
  ];
  for (const [name, key, reason] of cases) {
    const request = {
      idempotencyKey: randomBytes(8).toString('hex'),
      name,
      displayName: '',
      contactEmail: 'ops@keys.example',
      extraScopes: [],
      jwksJson: JSON.stringify({ keys: [key] }),
      location: undefined,
    };
    assert.deepEqual(await rejection(h.operator.onboardService(request)), { kind: 'invalid_argument', reason }, name);
  }
  const names = cases.map(([name]) => name);
  assert.equal(await count('SELECT 1 FROM services WHERE name = ANY($1)', [names]), 0);
  assert.equal(await count("SELECT 1 FROM oidc_payloads WHERE model = 'Client' AND id = ANY($1)", [names]), 0);
  assert.equal(
    await count("SELECT 1 FROM audit_log WHERE action = 'service.onboarded' AND subject_id = ANY($1)", [names]),
    0,
  );
  const accepted = await h.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name: 'long-rsa',
    displayName: '',
    contactEmail: 'ops@keys.example',
    extraScopes: [],
    jwksJson: JSON.stringify({ keys: [rsa(2048)] }),
    location: undefined,
  });
  assert.equal(accepted.tokenEndpointAuthMethod, 'private_key_jwt', 'a 2048-bit RSA key is enough');
});

test('operator api - the status mirror never gives up, and the resync puts back revocations a lost bucket dropped', async () => {
  const info = await (await jetstreamManager(nc)).consumers.info(h.config.IDENTITY_STREAM, 'identity-status-mirror');
  assert.ok((info.config.max_deliver ?? 0) >= 1_000_000, `max_deliver ${info.config.max_deliver}`);

  const created = await h.operator.createResident(residentRequest());
  const phone = new ResidentApp(h.issuer);
  assert.equal(
    (await phone.requestCredential(await phone.enroll(created.enrollmentCode?.code ?? '', 'correct horse battery')))
      .status,
    200,
  );
  const credentialId =
    (await h.operator.getResident({ residentId: created.resident?.residentId ?? '' })).activeCredential?.credentialId ??
    '';
  await h.operator.revokeCredential({ credentialId, reason: 'lost' });
  const js = jetstream(nc);
  const bucket = h.config.IDENTITY_STATUS_BUCKET;
  const ttlMs = h.config.IDENTITY_CREDENTIAL_TTL_S * 1000;
  const mirrored = await new Kvm(js).open(bucket);
  const deadline = Date.now() + 5_000;
  while ((await mirrored.get(credentialId))?.operation !== 'PUT') {
    if (Date.now() > deadline) assert.fail('revocation not mirrored');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  await (await jetstreamManager(nc)).streams.delete(`KV_${bucket}`);
  const kv = await openStatusBucket(js, bucket, ttlMs);
  assert.equal(await kv.get(credentialId), null, 'the recreated bucket is empty');
  assert.ok((await resyncStatusBucket(db, kv)) >= 1);
  const entry = await kv.get(credentialId);
  assert.equal(entry?.operation, 'PUT');
  assert.equal(entry.json<{ by: string }>().by, 'operator');
  assert.equal(await resyncStatusBucket(db, kv), 0, 'nothing missing: nothing put again');
});

test('operator api - rotating the signing key publishes the next key before it signs', async () => {
  const signerKid = (
    await db.query<{ kid: string }>(
      'SELECT kid FROM signing_keys WHERE activates_at <= now() ORDER BY activates_at DESC LIMIT 1',
    )
  ).rows[0]?.kid;
  const before = ((await (await fetch(`${h.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys;
  const rotated = await h.operator.rotateSigningKey({ reason: 'yearly rotation' });
  const after = ((await (await fetch(`${h.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys;
  assert.equal(after.length, before.length + 1);
  assert.ok(after.some((key) => key.kid === rotated.kid));
  assert.ok((rotated.activatesAt?.getTime() ?? 0) > Date.now(), 'not signing yet');
  const sealed = (await db.query<{ private_jwk_sealed: Buffer }>('SELECT private_jwk_sealed FROM signing_keys')).rows;
  assert.equal(sealed.length, after.length);
  for (const row of sealed)
    assert.equal(row.private_jwk_sealed.includes('"d":'), false, 'private keys are sealed at rest');

  const created = await h.operator.createResident(residentRequest());
  const phone = new ResidentApp(h.issuer);
  const issued = await phone.requestCredential(
    await phone.enroll(created.enrollmentCode?.code ?? '', 'correct horse battery'),
  );
  assert.equal(issued.status, 200);
  const credential =
    ((await issued.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';
  assert.equal(
    decodeJws(credential, 4096).header.kid,
    signerKid,
    'the old key still signs; the new one is only published',
  );
  assert.notEqual(signerKid, rotated.kid);
});

test('operator api - a rotation while the next key is pending is refused; rotations are audited with the operator', async () => {
  const pending = 'SELECT 1 FROM signing_keys WHERE activates_at > now()';
  if ((await count(pending)) === 0) await h.operator.rotateSigningKey({ reason: 'yearly rotation' });
  const keys = await count('SELECT 1 FROM signing_keys');
  // A rotation says why; the reason is checked before anything else is.
  for (const [reason, refusal] of [
    ['', 'REASON_REQUIRED'],
    ['x'.repeat(201), 'REASON_TOO_LONG'],
  ] as const)
    assert.deepEqual(await rejection(h.operator.rotateSigningKey({ reason })), {
      kind: 'invalid_argument',
      reason: refusal,
    });
  assert.deepEqual(await rejection(h.operator.rotateSigningKey({ reason: 'again' })), {
    kind: 'failed_precondition',
    reason: 'ROTATION_PENDING',
  });
  assert.equal(await count('SELECT 1 FROM signing_keys'), keys);
  assert.equal(await count(pending), 1);
  const audit = await h.operator.listAuditEvents({
    subjectId: '',
    action: 'signing_key.rotated',
    pageSize: 10,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.deepEqual(
    audit.events.map((event) => [event.actor, JSON.parse(event.detailsJson) as unknown]),
    [['operator:operator', { reason: 'yearly rotation' }]],
  );
});

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
