// Which scopes each resource server hands out: gates get `gate:<name>` for transit only, the transit service gets
// `settle:<name>` for the wallet only, the operator gets `transit:admin` for transit and `identity:admin` for identity,
// and no token carries a scope that belongs to another resource.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { OnboardServiceResponse } from '@citypass/proto/identity/v1/identity';
import { decodeJws } from '@citypass/credential';
import { DomainError } from '@citypass/platform/errors';
import { bearer } from '@citypass/platform/grpc';
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

const transit = 'urn:citypass:transit';
const wallet = 'urn:citypass:wallet';
const identity = 'urn:citypass:identity';

const onboard = (name: string, extraScopes: string[]): Promise<OnboardServiceResponse> =>
  h.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name,
    displayName: name,
    contactEmail: `ops@${name}.example`,
    extraScopes,
    jwksJson: '',
    location: undefined,
  });

interface Granted {
  readonly status: number;
  /** The scope the token itself carries (undefined: none). */
  readonly scope: string | undefined;
  readonly token: string;
  readonly claims: Record<string, unknown>;
  readonly header: Readonly<Record<string, unknown>>;
}

async function token(clientId: string, secret: string, resource: string, scope: string): Promise<Granted> {
  const response = await h.clientCredentialsToken(clientId, secret, resource, scope);
  const body = (await response.json()) as { access_token?: string; scope?: string };
  if (body.access_token === undefined)
    return { status: response.status, scope: undefined, token: '', claims: {}, header: {} };
  const jwt = decodeJws(body.access_token, 8192);
  const claimed = jwt.payload['scope'];
  assert.equal(body.scope, claimed, 'the token response names the scope the token carries');
  return {
    status: response.status,
    scope: typeof claimed === 'string' ? claimed : undefined,
    token: body.access_token,
    claims: jwt.payload,
    header: jwt.header,
  };
}

async function rejection(promise: Promise<unknown>): Promise<{ kind: string; reason: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    return { kind: error.kind, reason: error.reason };
  }
  assert.fail('expected a rejection');
}

test('resource scopes - onboarding takes gate and settle scopes on the same service; unknown verbs and other services are refused', async () => {
  assert.deepEqual((await onboard('gates-u1', ['gate:gates-u1'])).scopes, ['charge:gates-u1', 'gate:gates-u1']);
  assert.deepEqual((await onboard('transit', ['settle:transit'])).scopes, ['charge:transit', 'settle:transit']);
  for (const extraScopes of [
    ['gates:bad-one'],
    ['settle:transit'],
    ['gate:transit'],
    ['transit:admin'],
    ['identity:admin'],
    ['gate:bad-one:x'],
  ]) {
    assert.deepEqual(
      await rejection(onboard('bad-one', extraScopes)),
      { kind: 'invalid_argument', reason: 'SCOPE_INVALID' },
      extraScopes.join(' '),
    );
  }
  assert.deepEqual(await rejection(onboard('transit-account', [])), {
    kind: 'invalid_argument',
    reason: 'SERVICE_NAME_RESERVED',
  });
  const written = await db.query("SELECT 1 FROM services WHERE name IN ('bad-one', 'transit-account')");
  assert.equal(written.rowCount, 0, 'refused onboardings write nothing');
});

test('resource scopes - a gate client token for transit carries exactly its gate scope and the transit audience', async () => {
  const gates = await onboard('gates-u2', ['gate:gates-u2']);
  const granted = await token(
    'gates-u2',
    gates.clientSecret,
    transit,
    'gate:gates-u2 charge:gates-u2 gate:gates-u1 transit:admin',
  );
  assert.equal(granted.status, 200);
  assert.equal(granted.scope, 'gate:gates-u2');
  assert.equal(granted.claims['aud'], transit);
  assert.equal(granted.claims['client_id'], 'gates-u2');
  assert.equal(granted.header['typ'], 'at+jwt');
  assert.equal(granted.header['alg'], 'ES256');
  assert.equal(Number(granted.claims['exp']) - Number(granted.claims['iat']), 300);
  const forWallet = await token('gates-u2', gates.clientSecret, wallet, 'gate:gates-u2 charge:gates-u2');
  assert.equal(forWallet.scope, 'charge:gates-u2', 'the gate scope stays out of wallet tokens');
  assert.equal(forWallet.claims['aud'], wallet);
});

test('resource scopes - settle is a wallet scope: the transit service gets it for the wallet and not for transit', async () => {
  const settler = await onboard('settler', ['settle:settler']);
  const forWallet = await token('settler', settler.clientSecret, wallet, 'charge:settler settle:settler');
  assert.equal(forWallet.scope, 'charge:settler settle:settler');
  const forTransit = await token('settler', settler.clientSecret, transit, 'charge:settler settle:settler');
  assert.equal(forTransit.status, 200);
  assert.equal(forTransit.scope, undefined, 'a transit token carries no wallet scope');
  assert.equal(forTransit.claims['aud'], transit);
});

test('resource scopes - the operator gets transit:admin for transit only, and identity:admin for identity only', async () => {
  const secret = h.config.IDENTITY_OPERATOR_CLIENT_SECRET;
  const forTransit = await token('operator', secret, transit, 'transit:admin identity:admin');
  assert.equal(forTransit.status, 200);
  assert.equal(forTransit.scope, 'transit:admin');
  assert.equal(forTransit.claims['aud'], transit);
  const forWallet = await token('operator', secret, wallet, 'transit:admin identity:admin');
  assert.equal(forWallet.scope, undefined, 'no admin scope in a wallet token');
  const forIdentity = await token('operator', secret, identity, 'transit:admin identity:admin');
  assert.equal(forIdentity.scope, 'identity:admin');
  assert.deepEqual(
    await rejection(
      h.anonymous.getResident({ residentId: randomBytes(16).toString('hex') }, { metadata: bearer(forTransit.token) }),
    ),
    { kind: 'unauthenticated', reason: 'TOKEN_INVALID' },
    'a transit token is not an identity token',
  );
});
