// Delegated administration at identity: an operator scoped to one merchant sees only that service and its audit
// events, one scoped to a department nothing here, and the roles in the token decide what each may change.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { ConcessionClass, IdentityServiceService, OperatorRole } from '@citypass/proto/identity/v1/identity';
import { consoleClientEnv, scopedOperator, type ConsoleClient } from './console_sign_in.ts';
import { secret, startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let client: ConsoleClient;
const opened: PromiseClient<typeof IdentityServiceService>[] = [];
before(async () => {
  const clientSecret = secret();
  const env = consoleClientEnv(clientSecret);
  h = await startHarness(env);
  client = { issuer: h.issuer, clientId: 'console', clientSecret, redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS };
  for (const name of ['parking', 'bikes'])
    await h.operator.onboardService({
      idempotencyKey: `onboard-${name}`,
      name,
      displayName: `The ${name}`,
      contactEmail: `ops@${name}.example`,
      extraScopes: [],
      jwksJson: '',
      location: undefined,
    });
});
after(async () => {
  for (const each of opened) each.close();
  await h.stop();
});

/** Creates the operator and signs them in; their IdentityService client, and their ID token's claims. */
async function asOperator(
  username: string,
  roles: OperatorRole[],
  scope: { merchant?: string; department?: string },
): Promise<{ identity: PromiseClient<typeof IdentityServiceService>; idToken: Record<string, unknown> }> {
  const { session, identity } = await scopedOperator(h, client, username, roles, scope);
  opened.push(identity);
  return { identity, idToken: session.idToken };
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
const noScope = { merchant: '', department: '' };

test('operator scope - a merchant-scoped operator lists and changes only their own service; the rest is refused', async () => {
  const { identity, idToken } = await asOperator('pat', [OperatorRole.OPERATOR_ROLE_ONBOARDER], {
    merchant: 'parking',
  });
  assert.equal(idToken.merchant, 'parking');
  assert.equal(idToken.department, undefined);
  const listed = await identity.listServices({ ...page, search: '' });
  assert.deepEqual(
    listed.services.map((service) => service.name),
    ['parking'],
  );
  assert.deepEqual((await identity.listServices({ ...page, search: 'bi' })).services, []);
  assert.equal((await identity.getServiceClient({ clientId: 'parking' })).service?.clientId, 'parking');
  await identity.suspendService({ clientId: 'parking', reason: 'meter upgrade' });
  await identity.resumeService({ clientId: 'parking', reason: 'done' });

  const otherMerchant = { kind: 'permission_denied', reason: 'OPERATOR_OTHER_MERCHANT' };
  assert.deepEqual(await refusalOf(identity.getServiceClient({ clientId: 'bikes' })), otherMerchant);
  assert.deepEqual(await refusalOf(identity.suspendService({ clientId: 'bikes', reason: 'x' })), otherMerchant);
  assert.deepEqual(
    await refusalOf(identity.rotateServiceSecret({ idempotencyKey: 'rotate-bikes', clientId: 'bikes' })),
    otherMerchant,
  );
  assert.deepEqual(
    await refusalOf(identity.listAuditEvents({ ...page, subjectId: 'bikes', action: '' })),
    otherMerchant,
  );
  // Their audit view is their own service's events, whatever else the log holds.
  const audit = await identity.listAuditEvents({ ...page, subjectId: '', action: '' });
  assert.deepEqual(
    audit.events.map((event) => [event.action, event.subjectId]),
    [
      ['service.resumed', 'parking'],
      ['service.suspended', 'parking'],
      ['service.onboarded', 'parking'],
    ],
  );
  const outOfScope = { kind: 'permission_denied', reason: 'OPERATOR_OUT_OF_SCOPE' };
  assert.deepEqual(
    await refusalOf(
      identity.onboardService({
        idempotencyKey: 'onboard-by-pat',
        name: 'grocer',
        displayName: 'Grocer',
        contactEmail: 'ops@grocer.example',
        extraScopes: [],
        jwksJson: '',
        location: undefined,
      }),
    ),
    outOfScope,
  );
  assert.deepEqual(await refusalOf(identity.listResidents({ ...page, search: '' })), outOfScope);
  // Nothing was onboarded by the refused call.
  assert.deepEqual(
    (await h.operator.listServices({ ...page, search: '' })).services.map((service) => service.name),
    ['bikes', 'parking'],
  );
});

test('operator scope - a department-scoped operator reaches nothing at identity; unscoped ones see everything', async () => {
  const { identity, idToken } = await asOperator('tom', [OperatorRole.OPERATOR_ROLE_ADMIN], { department: 'transit' });
  assert.equal(idToken.department, 'transit');
  const outOfScope = { kind: 'permission_denied', reason: 'OPERATOR_OUT_OF_SCOPE' };
  assert.deepEqual(await refusalOf(identity.listServices({ ...page, search: '' })), outOfScope);
  assert.deepEqual(await refusalOf(identity.getServiceClient({ clientId: 'parking' })), outOfScope);
  assert.deepEqual(await refusalOf(identity.listAuditEvents({ ...page, subjectId: '', action: '' })), outOfScope);
  assert.deepEqual(await refusalOf(identity.listResidents({ ...page, search: '' })), outOfScope);

  const admin = await asOperator('ada', [OperatorRole.OPERATOR_ROLE_ADMIN], {});
  assert.equal(admin.idToken.merchant, undefined);
  assert.deepEqual(
    (await admin.identity.listServices({ ...page, search: '' })).services.map((service) => service.name),
    ['bikes', 'parking'],
  );
});

test('operator roles - support may not onboard, an onboarder may not create residents, only admins make operators', async () => {
  const support = await asOperator('sue', [OperatorRole.OPERATOR_ROLE_SUPPORT], {});
  const onboarder = await asOperator('oli', [OperatorRole.OPERATOR_ROLE_ONBOARDER], {});
  const roleMissing = { kind: 'permission_denied', reason: 'OPERATOR_ROLE_MISSING' };
  const onboard = {
    idempotencyKey: 'onboard-by-sue',
    name: 'florist',
    displayName: 'Florist',
    contactEmail: 'ops@florist.example',
    extraScopes: [],
    jwksJson: '',
    location: undefined,
  };
  assert.deepEqual(await refusalOf(support.identity.onboardService(onboard)), roleMissing);
  const resident = {
    idempotencyKey: 'resident-by-oli',
    givenName: 'Ida',
    familyName: 'Lovelace',
    birthDate: '1990-01-01',
    concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
    coveragePlanRef: '',
  };
  assert.deepEqual(await refusalOf(onboarder.identity.createResident(resident)), roleMissing);
  const created = await support.identity.createResident({ ...resident, idempotencyKey: 'resident-by-sue' });
  assert.ok(created.resident?.residentId);
  const newOperator = { idempotencyKey: 'op-by-sue', username: 'eve', roles: [OperatorRole.OPERATOR_ROLE_ADMIN] };
  assert.deepEqual(
    await refusalOf(support.identity.createOperator({ ...newOperator, password: '', ...noScope })),
    roleMissing,
  );
});

test('operator scope - bad scopes are refused at creation and write nothing', async () => {
  const request = {
    idempotencyKey: 'scope-bad',
    username: 'zed',
    roles: [OperatorRole.OPERATOR_ROLE_FINANCE],
    password: '',
  };
  assert.deepEqual(await refusalOf(h.operator.createOperator({ ...request, merchant: '', department: 'parks' })), {
    kind: 'invalid_argument',
    reason: 'OPERATOR_SCOPE_INVALID',
  });
  assert.deepEqual(
    await refusalOf(
      h.operator.createOperator({ ...request, idempotencyKey: 'scope-bad-k2', merchant: 'Bad!', department: '' }),
    ),
    { kind: 'invalid_argument', reason: 'OPERATOR_SCOPE_INVALID' },
  );
  assert.deepEqual(
    await refusalOf(
      h.operator.createOperator({ ...request, idempotencyKey: 'scope-bad-k3', merchant: 'nosuch', department: '' }),
    ),
    { kind: 'not_found', reason: 'SERVICE_NOT_FOUND' },
  );
  const created = await h.operator.createOperator({
    ...request,
    idempotencyKey: 'scope-bad-k4',
    merchant: 'bikes',
    department: 'health',
  });
  assert.equal(created.operator?.merchant, 'bikes');
  assert.equal(created.operator.department, 'health');
  const audit = await h.operator.listAuditEvents({ ...page, subjectId: 'zed', action: 'operator.created' });
  assert.equal(audit.events.length, 1);
  assert.equal(
    audit.events[0]?.detailsJson,
    JSON.stringify({ roles: 'finance', merchant: 'bikes', department: 'health' }),
  );
});
