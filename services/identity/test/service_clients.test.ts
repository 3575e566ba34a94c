// Operators rotate an onboarded service's client secret and suspend or resume the service, against a running
// identity: scope checks, bad input, unknown services, the token endpoint's answers, audit rows and events.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { ServiceResumed, ServiceSuspended } from '@citypass/proto/identity/v1/identity';
import { refusalOf } from '@citypass/platform/testing';
import { bearer } from '@citypass/platform/grpc';
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

const key = (): string => randomBytes(8).toString('hex');

async function tokenStatus(clientId: string, secret: string): Promise<{ status: number; error?: string }> {
  const response = await h.clientCredentialsToken(clientId, secret, 'urn:citypass:wallet', `charge:${clientId}`);
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error === undefined ? {} : { error: body.error }) };
}

async function auditRows(subjectId: string, action: string): Promise<{ actor: string; details: unknown }[]> {
  const { rows } = await db.query<{ actor: string; details: unknown }>(
    'SELECT actor, details FROM audit_log WHERE subject_id = $1 AND action = $2 ORDER BY id',
    [subjectId, action],
  );
  return rows;
}

test('service clients - calls without the identity admin scope are refused and change nothing', async () => {
  const { clientSecret } = await h.onboardWithToken('scoped', [], 'urn:citypass:wallet');
  assert.deepEqual(await refusalOf(h.anonymous.suspendService({ clientId: 'scoped', reason: 'x' })), {
    kind: 'unauthenticated',
    reason: 'TOKEN_MISSING',
  });
  const response = await h.clientCredentialsToken('scoped', clientSecret, 'urn:citypass:identity', 'identity:admin');
  const own = ((await response.json()) as { access_token?: string }).access_token ?? '';
  const refused =
    own === ''
      ? { kind: 'unauthenticated', reason: 'TOKEN_INVALID' }
      : { kind: 'permission_denied', reason: 'SCOPE_MISSING' };
  const metadata = bearer(own);
  assert.deepEqual(
    await refusalOf(h.anonymous.suspendService({ clientId: 'scoped', reason: 'x' }, { metadata })),
    refused,
  );
  assert.deepEqual(
    await refusalOf(h.anonymous.resumeService({ clientId: 'scoped', reason: 'x' }, { metadata })),
    refused,
  );
  assert.deepEqual(
    await refusalOf(h.anonymous.rotateServiceSecret({ idempotencyKey: key(), clientId: 'scoped' }, { metadata })),
    refused,
  );
  assert.deepEqual(await refusalOf(h.anonymous.getServiceClient({ clientId: 'scoped' }, { metadata })), refused);
  assert.equal((await tokenStatus('scoped', clientSecret)).status, 200, 'the old secret still works');
  assert.equal((await h.operator.getServiceClient({ clientId: 'scoped' })).service?.status, 'active');
});

test('service clients - unknown services are NOT_FOUND and bad input is INVALID_ARGUMENT with its reason', async () => {
  const missing = { kind: 'not_found', reason: 'SERVICE_NOT_FOUND' };
  assert.deepEqual(await refusalOf(h.operator.getServiceClient({ clientId: 'nobody' })), missing);
  assert.deepEqual(await refusalOf(h.operator.suspendService({ clientId: 'nobody', reason: 'why' })), missing);
  assert.deepEqual(await refusalOf(h.operator.resumeService({ clientId: 'nobody', reason: 'why' })), missing);
  assert.deepEqual(
    await refusalOf(h.operator.rotateServiceSecret({ idempotencyKey: key(), clientId: 'nobody' })),
    missing,
  );
  await h.onboardWithToken('inputs', [], 'urn:citypass:wallet');
  const invalid = (reason: string): { kind: string; reason: string } => ({ kind: 'invalid_argument', reason });
  assert.deepEqual(
    await refusalOf(h.operator.suspendService({ clientId: 'Not A Name', reason: 'why' })),
    invalid('SERVICE_NAME_INVALID'),
  );
  assert.deepEqual(
    await refusalOf(h.operator.suspendService({ clientId: 'operator', reason: 'why' })),
    invalid('SERVICE_NAME_RESERVED'),
  );
  assert.deepEqual(
    await refusalOf(h.operator.suspendService({ clientId: 'inputs', reason: ' ' })),
    invalid('REASON_REQUIRED'),
  );
  assert.deepEqual(
    await refusalOf(h.operator.suspendService({ clientId: 'inputs', reason: 'r'.repeat(201) })),
    invalid('REASON_TOO_LONG'),
  );
  assert.deepEqual(
    await refusalOf(h.operator.suspendService({ clientId: 'inputs', reason: 'a\u0000b' })),
    invalid('REASON_INVALID'),
  );
  assert.deepEqual(
    await refusalOf(h.operator.resumeService({ clientId: 'inputs', reason: '' })),
    invalid('REASON_REQUIRED'),
  );
  assert.deepEqual(
    await refusalOf(h.operator.rotateServiceSecret({ idempotencyKey: '', clientId: 'inputs' })),
    invalid('IDEMPOTENCY_KEY_INVALID'),
  );
  // 200 characters is the edge: allowed.
  const suspended = await h.operator.suspendService({ clientId: 'inputs', reason: 'r'.repeat(200) });
  assert.equal(suspended.service?.suspensionReason.length, 200);
  const { rows } = await db.query<{ n: string }>(
    "SELECT count(*) AS n FROM audit_log WHERE subject_id IN ('inputs', 'nobody') AND action LIKE 'service.%' AND action <> 'service.onboarded'",
  );
  assert.equal(rows[0]?.n, '1', 'only the one valid suspension is audited');
});

test('service clients - a rotated secret works at once and the old one is refused', async () => {
  const { clientSecret: old } = await h.onboardWithToken('bikes', [], 'urn:citypass:wallet');
  const request = { idempotencyKey: key(), clientId: 'bikes' };
  const rotated = await h.operator.rotateServiceSecret(request);
  assert.notEqual(rotated.clientSecret, old);
  assert.equal(rotated.clientSecret.length, 43);
  assert.equal(rotated.service?.secretVersion, 2);
  assert.ok(rotated.service.secretRotatedAt instanceof Date);
  assert.deepEqual(await tokenStatus('bikes', old), { status: 401, error: 'invalid_client' });
  assert.deepEqual(await tokenStatus('bikes', rotated.clientSecret), { status: 200 });
  assert.deepEqual(await h.operator.rotateServiceSecret(request), rotated, 'a repeat returns the first answer');
  assert.deepEqual(await refusalOf(h.operator.rotateServiceSecret({ ...request, clientId: 'inputs' })), {
    kind: 'already_exists',
    reason: 'IDEMPOTENCY_KEY_REUSED',
  });
  const audit = await auditRows('bikes', 'service.secret_rotated');
  assert.deepEqual(audit, [{ actor: 'operator:operator', details: { secretVersionBefore: 1, secretVersionAfter: 2 } }]);
  const { rows } = await db.query<{ n: string }>(
    "SELECT count(*) AS n FROM oidc_payloads WHERE id = 'bikes' AND payload::text LIKE $1",
    [`%${rotated.clientSecret}%`],
  );
  assert.equal(rows[0]?.n, '0', 'the new secret is not stored in clear');
});

test('service clients - a service with its own keys has no secret to rotate', async () => {
  const jwk = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'k1' };
  await h.operator.onboardService({
    idempotencyKey: key(),
    name: 'keyed',
    displayName: '',
    contactEmail: 'ops@keyed.example',
    extraScopes: [],
    jwksJson: JSON.stringify({ keys: [jwk] }),
    location: undefined,
  });
  assert.deepEqual(await refusalOf(h.operator.rotateServiceSecret({ idempotencyKey: key(), clientId: 'keyed' })), {
    kind: 'failed_precondition',
    reason: 'SERVICE_HAS_NO_SECRET',
  });
  assert.equal((await h.operator.getServiceClient({ clientId: 'keyed' })).service?.secretVersion, 0);
  assert.deepEqual(await auditRows('keyed', 'service.secret_rotated'), []);
});

test('service clients - a suspended service gets invalid_client until resumed; both audited and announced', async () => {
  const { clientSecret } = await h.onboardWithToken('parking', [], 'urn:citypass:wallet');
  const suspended = await h.operator.suspendService({ clientId: 'parking', reason: ' unpaid invoices ' });
  assert.equal(suspended.service?.status, 'suspended');
  assert.equal(suspended.service.suspensionReason, 'unpaid invoices');
  assert.deepEqual(await tokenStatus('parking', clientSecret), { status: 401, error: 'invalid_client' });
  const again = await h.operator.suspendService({ clientId: 'parking', reason: 'another reason' });
  assert.deepEqual(again, suspended, 'suspending a suspended service changes nothing');
  // A secret rotated while suspended is the one that works after resuming.
  const rotated = await h.operator.rotateServiceSecret({ idempotencyKey: key(), clientId: 'parking' });
  assert.deepEqual(await tokenStatus('parking', rotated.clientSecret), { status: 401, error: 'invalid_client' });
  const resumed = await h.operator.resumeService({ clientId: 'parking', reason: 'paid' });
  assert.equal(resumed.service?.status, 'active');
  assert.equal(resumed.service.suspendedAt, undefined);
  assert.deepEqual(await tokenStatus('parking', rotated.clientSecret), { status: 200 });
  assert.deepEqual(await tokenStatus('parking', clientSecret), { status: 401, error: 'invalid_client' });
  assert.deepEqual(await h.operator.resumeService({ clientId: 'parking', reason: 'again' }), resumed);

  assert.deepEqual(await auditRows('parking', 'service.suspended'), [
    { actor: 'operator:operator', details: { before: 'active', after: 'suspended', reason: 'unpaid invoices' } },
  ]);
  assert.deepEqual(await auditRows('parking', 'service.resumed'), [
    {
      actor: 'operator:operator',
      details: { before: 'suspended', after: 'active', reason: 'paid', suspensionReason: 'unpaid invoices' },
    },
  ]);

  const consumer = await jetstream(nc).consumers.get(h.config.IDENTITY_STREAM);
  const seen: string[] = [];
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && !seen.includes('resumed')) {
    const message = await consumer.next({ expires: 1_000 });
    const envelope = message === null ? undefined : EventEnvelope.decode(message.data);
    if (envelope?.type === 'identity.v1.events.service.suspended') {
      const event = ServiceSuspended.decode(envelope.payload);
      if (event.clientId === 'parking') {
        assert.equal(event.reason, 'unpaid invoices');
        seen.push('suspended');
      }
    }
    if (
      envelope?.type === 'identity.v1.events.service.resumed' &&
      ServiceResumed.decode(envelope.payload).clientId === 'parking'
    )
      seen.push('resumed');
  }
  assert.deepEqual(seen, ['suspended', 'resumed']);
});
