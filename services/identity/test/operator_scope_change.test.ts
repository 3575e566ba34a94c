// Changing an operator's scope (SetOperatorScope): only unscoped admins may, it is audited with the scope before and
// after, and the operator's next token carries the new scope.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { IdentityServiceService, OperatorRole } from '@citypass/proto/identity/v1/identity';
import { claimsOf, consoleClientEnv, scopedOperator, type ConsoleClient } from './console_sign_in.ts';
import { secret, startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let client: ConsoleClient;
const opened: PromiseClient<typeof IdentityServiceService>[] = [];
before(async () => {
  const clientSecret = secret();
  const env = consoleClientEnv(clientSecret);
  h = await startHarness(env);
  client = { issuer: h.issuer, clientId: 'console', clientSecret, redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS };
  await h.operator.onboardService({
    idempotencyKey: 'onboard-parking',
    name: 'parking',
    displayName: 'The parking',
    contactEmail: 'ops@parking.example',
    extraScopes: [],
    jwksJson: '',
    location: undefined,
  });
});
after(async () => {
  for (const each of opened) each.close();
  await h.stop();
});

/** Creates the operator and signs them in: their session and their IdentityService client. */
async function asOperator(username: string, roles: OperatorRole[], merchant: string) {
  const signedIn = await scopedOperator(h, client, username, roles, { merchant });
  opened.push(signedIn.identity);
  return signedIn;
}

const page = {
  pageSize: 10,
  pageToken: '',
  actionPrefix: '',
  subjectPrefix: '',
  occurredFrom: undefined,
  occurredBefore: undefined,
  actor: '',
};

test('operator scope change - the next token carries the new scope; audited once with before and after; a repeat replays', async () => {
  const { session } = await asOperator('pat', [OperatorRole.OPERATOR_ROLE_ONBOARDER], 'parking');
  assert.equal(session.idToken.merchant, 'parking');
  const request = {
    idempotencyKey: 'scope-pat-1',
    username: 'pat',
    merchant: '',
    department: 'transit',
    reason: 'moved to the metro team',
  };
  const changed = await h.operator.setOperatorScope(request);
  assert.equal(changed.operator?.username, 'pat');
  assert.equal(changed.operator.merchant, '');
  assert.equal(changed.operator.department, 'transit');

  const claims = claimsOf(await session.accessToken('urn:citypass:identity'));
  assert.equal(claims.department, 'transit');
  assert.equal(claims.merchant, undefined);
  assert.deepEqual(claims.roles, ['onboarder']);

  const repeated = await h.operator.setOperatorScope(request);
  assert.deepEqual(repeated, changed);
  const audit = await h.operator.listAuditEvents({ ...page, subjectId: 'pat', action: 'operator.scope_set' });
  const [event, ...more] = audit.events;
  assert.ok(event !== undefined && more.length === 0, `${audit.events.length} audit events`);
  assert.equal(event.actor, 'operator:operator');
  assert.deepEqual(JSON.parse(event.detailsJson), {
    merchantBefore: 'parking',
    merchantAfter: '',
    departmentBefore: '',
    departmentAfter: 'transit',
    reason: 'moved to the metro team',
  });

  // Empty flags: unscoped; the token then carries neither claim.
  await h.operator.setOperatorScope({ ...request, idempotencyKey: 'scope-pat-2', department: '', reason: 'lead' });
  const unscoped = claimsOf(await session.accessToken('urn:citypass:identity'));
  assert.equal(unscoped.department, undefined);
  assert.equal(unscoped.merchant, undefined);
  // Setting the scope they already have changes nothing and writes no audit row.
  await h.operator.setOperatorScope({ ...request, idempotencyKey: 'scope-pat-3', department: '', reason: 'again' });
  const all = await h.operator.listAuditEvents({ ...page, subjectId: 'pat', action: 'operator.scope_set' });
  assert.equal(all.events.length, 2);
});

test('operator scope change - unknown operator, bad department or merchant, no reason: refused, nothing written', async () => {
  const request = { idempotencyKey: 'scope-bad-1', username: 'nobody', merchant: '', department: '', reason: 'x' };
  assert.deepEqual(await refusalOf(h.operator.setOperatorScope(request)), {
    kind: 'not_found',
    reason: 'OPERATOR_NOT_FOUND',
  });
  await asOperator('bea', [OperatorRole.OPERATOR_ROLE_FINANCE], '');
  const bea = { ...request, username: 'bea' };
  assert.deepEqual(
    await refusalOf(h.operator.setOperatorScope({ ...bea, idempotencyKey: 'scope-bad-2', department: 'parks' })),
    { kind: 'invalid_argument', reason: 'OPERATOR_SCOPE_INVALID' },
  );
  assert.deepEqual(
    await refusalOf(h.operator.setOperatorScope({ ...bea, idempotencyKey: 'scope-bad-3', merchant: 'nosuch' })),
    { kind: 'not_found', reason: 'SERVICE_NOT_FOUND' },
  );
  assert.deepEqual(
    await refusalOf(
      h.operator.setOperatorScope({ ...bea, idempotencyKey: 'scope-bad-4', department: 'health', reason: ' ' }),
    ),
    { kind: 'invalid_argument', reason: 'REASON_REQUIRED' },
  );
  const audit = await h.operator.listAuditEvents({ ...page, subjectId: 'bea', action: 'operator.scope_set' });
  assert.equal(audit.events.length, 0);
});

test('operator scope change - a scoped admin and an unscoped non-admin are refused and change nothing', async () => {
  await asOperator('vic', [OperatorRole.OPERATOR_ROLE_SUPPORT], '');
  const request = { idempotencyKey: 'scope-by-x', username: 'vic', merchant: 'parking', department: '', reason: 'x' };
  const scopedAdmin = await asOperator('sam', [OperatorRole.OPERATOR_ROLE_ADMIN], 'parking');
  assert.deepEqual(await refusalOf(scopedAdmin.identity.setOperatorScope(request)), {
    kind: 'permission_denied',
    reason: 'OPERATOR_OUT_OF_SCOPE',
  });
  const support = await asOperator('sid', [OperatorRole.OPERATOR_ROLE_SUPPORT], '');
  assert.deepEqual(await refusalOf(support.identity.setOperatorScope(request)), {
    kind: 'permission_denied',
    reason: 'OPERATOR_ROLE_MISSING',
  });
  const admin = await asOperator('ada', [OperatorRole.OPERATOR_ROLE_ADMIN], '');
  const changed = await admin.identity.setOperatorScope({ ...request, idempotencyKey: 'scope-by-ada' });
  assert.equal(changed.operator?.merchant, 'parking');
  const audit = await h.operator.listAuditEvents({ ...page, subjectId: 'vic', action: 'operator.scope_set' });
  assert.deepEqual(
    audit.events.map((event) => event.actor),
    ['operator:ada'],
  );
});
