// Delegated administration in transit: an operator scoped to the merchant that operates some gates lists only those
// gates and reaches no fare rules, deny list or assignments; a health-department operator reaches nothing here; a
// transit-department operator everything. The scope comes from the operator's own console token.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { consoleClientEnv, signInOperator } from '../../identity/test/console_sign_in.ts';
import { secret } from '../../identity/test/harness.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
const clientSecret = secret();
const env = consoleClientEnv(clientSecret);
const opened: PromiseClient<typeof TransitServiceService>[] = [];
before(async () => {
  h = await startTransitHarness({}, env);
  await h.wallet.identity.operator.onboardService({
    idempotencyKey: randomBytes(8).toString('hex'),
    name: 'trams',
    displayName: 'Harbour trams',
    contactEmail: 'ops@trams.example',
    extraScopes: ['gate:trams'],
    jwksJson: '',
    location: undefined,
  });
  await h.operator.assignGates({ reason: 'test setup', clientId: 'trams', gateIds: ['market-g1', 'market-g2'] });
});
after(async () => {
  for (const each of opened) each.close();
  await h.stop();
});

async function transitAs(username: string, scope: { merchant?: string; department?: string }) {
  const password = `pw-${secret()}`;
  const identity = h.wallet.identity;
  await identity.operator.createOperator({
    idempotencyKey: `create-${username}`,
    username,
    roles: [OperatorRole.OPERATOR_ROLE_ADMIN],
    password,
    merchant: scope.merchant ?? '',
    department: scope.department ?? '',
  });
  const client = {
    issuer: identity.issuer,
    clientId: 'console',
    clientSecret,
    redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS,
  };
  const token = await (await signInOperator(client, username, password)).accessToken('urn:citypass:transit');
  const transit = promiseClient(TransitServiceService, h.address, { metadata: () => bearer(token) });
  opened.push(transit);
  return transit;
}

const page = { pageSize: 0, pageToken: '', search: '' };
const outOfScope = { kind: 'permission_denied', reason: 'OPERATOR_OUT_OF_SCOPE' };

test('operator scope - a merchant-scoped operator lists only the gates their client operates, and nothing else', async () => {
  const trams = await transitAs('tina', { merchant: 'trams' });
  const listed = await trams.listGates(page);
  assert.deepEqual(
    listed.gates.map((gate) => [gate.gateId, gate.clientId]),
    [
      ['market-g1', 'trams'],
      ['market-g2', 'trams'],
    ],
  );
  assert.equal(listed.nextPageToken, '');
  assert.deepEqual((await trams.listGates({ ...page, search: 'harbour' })).gates, []);
  // A page of one still walks only their gates.
  const first = await trams.listGates({ ...page, pageSize: 1 });
  const second = await trams.listGates({ ...page, pageSize: 1, pageToken: first.nextPageToken });
  assert.deepEqual(
    [...first.gates, ...second.gates].map((gate) => gate.gateId),
    ['market-g1', 'market-g2'],
  );
  assert.equal(second.nextPageToken, '');

  assert.deepEqual(await refusalOf(trams.listFareRules({})), outOfScope);
  assert.deepEqual(await refusalOf(trams.listDenyList({ pageSize: 0, pageToken: '' })), outOfScope);
  assert.deepEqual(
    await refusalOf(trams.assignGates({ reason: 'test setup', clientId: 'trams', gateIds: ['harbour-g1'] })),
    outOfScope,
  );
  // The refused assignment changed nothing.
  const harbour = await h.operator.listGates({ ...page, search: 'harbour-g1' });
  assert.equal(harbour.gates[0]?.clientId, 'gates');
});

test('operator scope - a health-department operator reaches nothing in transit; a transit one everything', async () => {
  const health = await transitAs('hana', { department: 'health' });
  assert.deepEqual(await refusalOf(health.listGates(page)), outOfScope);
  assert.deepEqual(await refusalOf(health.listFareRules({})), outOfScope);
  assert.deepEqual(await refusalOf(health.findJourney({ holdId: 'hold-1' })), outOfScope);

  const metro = await transitAs('theo', { department: 'transit' });
  assert.equal((await metro.listGates(page)).gates.length, 20);
  assert.ok((await metro.listFareRules({})).versions.length > 0);
  await metro.assignGates({ reason: 'test setup', clientId: 'trams', gateIds: ['market-g1'] });
});
