import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConcessionClass, IdentityServiceService, OperatorRole } from '@citypass/proto/identity/v1/identity';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { isDomainError } from '@citypass/platform/errors';
import {
  claimsOf,
  CookieBrowser,
  startAuthorization,
  submitOperatorForm,
  tokenRequest,
  type ConsoleClient,
} from './console_sign_in.ts';
import { secret, startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let client: ConsoleClient;
const redirectUri = 'http://127.0.0.1:7599/callback';
before(async () => {
  const clientSecret = secret();
  h = await startHarness({ IDENTITY_CONSOLE_CLIENT_SECRET: clientSecret, IDENTITY_CONSOLE_REDIRECT_URIS: redirectUri });
  client = { issuer: h.issuer, clientId: 'console', clientSecret, redirectUri };
});
after(async () => {
  await h.stop();
});

const reasonOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (isDomainError(error)) return error.reason;
    throw error;
  }
  return 'none';
};

async function newOperator(username: string, roles: OperatorRole[]): Promise<string> {
  const created = await h.operator.createOperator({
    idempotencyKey: `operator-${username}`,
    username,
    roles,
    password: '',
    merchant: '',
    department: '',
  });
  return created.initialPassword;
}

/** Signs `username` in to the console and exchanges the code for the identity resource. */
async function signIn(
  username: string,
  password: string,
  browser = new CookieBrowser(),
): Promise<{ tokens: Record<string, string>; browser: CookieBrowser }> {
  const started = await startAuthorization(browser, client);
  assert.equal(started.page.status, 200);
  assert.match(await started.page.text(), /Operator sign-in/);
  const { url } = await submitOperatorForm(browser, client, started.pageUrl, username, password);
  const code = new URL(url).searchParams.get('code');
  assert.ok(url.startsWith(redirectUri) && code, url);
  const exchanged = await tokenRequest(client, {
    grant_type: 'authorization_code',
    code,
    code_verifier: started.verifier,
    redirect_uri: redirectUri,
    resource: 'urn:citypass:identity',
  });
  assert.equal(exchanged.status, 200, await exchanged.clone().text());
  return { tokens: (await exchanged.json()) as Record<string, string>, browser };
}

test('operators - created with a one-time password; the same key answers the same; bad input writes nothing', async () => {
  const first = await h.operator.createOperator({
    idempotencyKey: 'create-ada',
    username: 'ada',
    roles: [OperatorRole.OPERATOR_ROLE_SUPPORT, OperatorRole.OPERATOR_ROLE_FINANCE],
    password: '',
    merchant: '',
    department: '',
  });
  assert.equal(first.operator?.username, 'ada');
  assert.deepEqual(first.operator.roles, [OperatorRole.OPERATOR_ROLE_SUPPORT, OperatorRole.OPERATOR_ROLE_FINANCE]);
  assert.ok(first.initialPassword.length >= 20);
  const again = await h.operator.createOperator({
    idempotencyKey: 'create-ada',
    username: 'ada',
    roles: [OperatorRole.OPERATOR_ROLE_SUPPORT, OperatorRole.OPERATOR_ROLE_FINANCE],
    password: '',
    merchant: '',
    department: '',
  });
  assert.equal(again.initialPassword, first.initialPassword);
  const request = {
    idempotencyKey: 'other-key',
    username: 'ada',
    roles: [OperatorRole.OPERATOR_ROLE_ADMIN],
    password: '',
    merchant: '',
    department: '',
  };
  assert.equal(await reasonOf(h.operator.createOperator(request)), 'OPERATOR_EXISTS');
  assert.equal(
    await reasonOf(h.operator.createOperator({ ...request, idempotencyKey: 'second-key', username: 'Bad Name' })),
    'OPERATOR_USERNAME_INVALID',
  );
  assert.equal(
    await reasonOf(h.operator.createOperator({ ...request, idempotencyKey: 'third-key', username: 'bob', roles: [] })),
    'OPERATOR_ROLES_INVALID',
  );
  assert.equal(
    await reasonOf(
      h.operator.createOperator({ ...request, idempotencyKey: 'fourth-key', username: 'bob', password: 'short' }),
    ),
    'PASSWORD_POLICY',
  );
  assert.equal(await reasonOf(h.anonymous.createOperator({ ...request, username: 'eve' })), 'TOKEN_MISSING');
  const audit = await h.operator.listAuditEvents({
    subjectId: 'ada',
    action: 'operator.created',
    pageSize: 10,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.equal(audit.events.length, 1);
  assert.equal(audit.events[0]?.detailsJson, JSON.stringify({ roles: 'support finance' }));
  assert.equal(
    (
      await h.operator.listAuditEvents({
        subjectId: 'bob',
        action: '',
        pageSize: 10,
        pageToken: '',
        actionPrefix: '',
        subjectPrefix: '',
        occurredFrom: undefined,
        occurredBefore: undefined,
        actor: '',
      })
    ).events.length,
    0,
  );
});

test('console sign-in - an admin signs in on the operator form: roles in the ID and access tokens, a token per resource', async () => {
  const password = await newOperator('root', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const { tokens } = await signIn('root', password);
  const idToken = claimsOf(tokens.id_token ?? '');
  assert.equal(idToken.sub, 'operator:root');
  assert.deepEqual(idToken.roles, ['admin']);
  assert.equal(typeof idToken.auth_time, 'number');
  const access = claimsOf(tokens.access_token ?? '');
  assert.equal(access.aud, 'urn:citypass:identity');
  assert.equal(access.scope, 'identity:admin');
  assert.deepEqual(access.roles, ['admin']);
  for (const [resource, scope] of [
    ['urn:citypass:transit', 'transit:admin'],
    ['urn:citypass:wallet', 'wallet:admin'],
  ] as const) {
    const refreshed = await tokenRequest(client, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      resource,
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    const claims = claimsOf(((await refreshed.json()) as { access_token: string }).access_token);
    assert.equal(claims.aud, resource);
    assert.equal(claims.scope, scope);
  }
  // The operator's own token works on identity's operator API, and what they do is audited as them.
  const identity = promiseClient(IdentityServiceService, `127.0.0.1:${h.identity.grpcPort}`, {
    metadata: () => Promise.resolve(bearer(tokens.access_token ?? '')),
  });
  try {
    const created = await identity.createResident({
      idempotencyKey: 'created-by-root',
      givenName: 'Grace',
      familyName: 'Hopper',
      birthDate: '1980-12-09',
      concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
      coveragePlanRef: '',
    });
    const audit = await identity.listAuditEvents({
      subjectId: created.resident?.residentId ?? '',
      action: 'resident.created',
      pageSize: 1,
      pageToken: '',
      actionPrefix: '',
      subjectPrefix: '',
      occurredFrom: undefined,
      occurredBefore: undefined,
      actor: '',
    });
    assert.equal(audit.events[0]?.actor, 'operator:root');
  } finally {
    identity.close();
  }
});

test('console sign-in - roles narrow the scopes: support gets identity:admin and nothing on the wallet', async () => {
  const password = await newOperator('sam', [OperatorRole.OPERATOR_ROLE_SUPPORT]);
  const { tokens } = await signIn('sam', password);
  assert.equal(claimsOf(tokens.access_token ?? '').scope, 'identity:admin');
  const wallet = await tokenRequest(client, {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token ?? '',
    resource: 'urn:citypass:wallet',
  });
  const body = (await wallet.json()) as { access_token?: string };
  const scope = body.access_token === undefined ? '' : claimsOf(body.access_token).scope;
  assert.ok(scope === undefined || scope === '', `support must get no wallet scope, got ${String(scope)}`);
});

test('console sign-in - wrong passwords and unknown operators are refused on the operator form, and audited', async () => {
  await newOperator('wendy', [OperatorRole.OPERATOR_ROLE_AUDITOR]);
  const browser = new CookieBrowser();
  const started = await startAuthorization(browser, client);
  const wrong = await submitOperatorForm(browser, client, started.pageUrl, 'wendy', 'not the password');
  assert.equal(wrong.response.status, 401);
  assert.match(await wrong.response.text(), /username or password is wrong/);
  const unknown = await submitOperatorForm(browser, client, started.pageUrl, 'nobody', 'not the password');
  assert.equal(unknown.response.status, 401);
  const failures = await h.operator.listAuditEvents({
    subjectId: 'wendy',
    action: 'operator_sign_in.failed',
    pageSize: 10,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.equal(failures.events.length, 1);
});

test('console sign-in - max_age=0 asks a signed-in operator to sign in again; without it the session answers', async () => {
  const password = await newOperator('max', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const { browser } = await signIn('max', password);
  const silent = await startAuthorization(browser, client);
  assert.ok(silent.location.startsWith(redirectUri), 'a live session signs in without a form');
  const again = await startAuthorization(browser, client, { max_age: '0' });
  assert.equal(again.page.status, 200);
  assert.match(await again.page.text(), /Operator sign-in/);
});
