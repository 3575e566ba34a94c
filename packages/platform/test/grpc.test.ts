// The gRPC edge over a real socket: health, error mapping with reasons, scopes, deadlines, the admin port.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus, HealthService } from '@citypass/proto/grpc/health/v1/health';
import { DomainError } from '../src/errors.ts';
import { bearer, GrpcServer, promiseClient, type Principal } from '../src/grpc.ts';
import { createLogger } from '../src/log.ts';
import { freePort, outcomeOf } from '../src/testing.ts';

// The health proto's Check method served again under another path, as a service with an auth policy.
const copy = { check: { ...HealthService.check, path: '/grpc.health.v1.Health.Copy/Check' as const } };
let server: GrpcServer;
let address: string;
let seenDeadlineMs = 0;
before(async () => {
  server = new GrpcServer({
    logger: createLogger('test', 'error'),
    authenticate: async (token) => {
      await Promise.resolve();
      if (token !== 'good') throw new DomainError('unauthenticated', 'TOKEN_INVALID', 'bad token');
      return { clientId: 'c', subject: 'c', scopes: new Set(['read']) };
    },
  });
  server.addService(
    'grpc.health.v1.Health.Copy',
    copy,
    {
      check: async (request, context) => {
        await Promise.resolve();
        seenDeadlineMs = context.deadlineMs;
        if (request.service === 'missing') throw new DomainError('not_found', 'THING_NOT_FOUND', 'no such thing');
        if (request.service === 'refused')
          throw new DomainError('permission_denied', 'THING_REFUSED', 'refused', {
            metadata: { decision_id: '0b4a6f1e-5c2d-4e8f-9a1b-2c3d4e5f6a7b', note: 'a&b=c d' },
          });
        if (request.service === 'boom') throw new Error('secret database detail');
        if (request.service === 'chatty')
          throw new DomainError('invalid_argument', 'THING_INVALID', `thing ${'x'.repeat(200_000)} is wrong`);
        return { status: HealthCheckResponse_ServingStatus.SERVING };
      },
    },
    { check: { anyScope: ['read'] } },
    { service: 2_048 },
  );
  address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
});
after(async () => {
  await server.shutdown(100);
});

test('grpc - the health service answers for the server and each added service', async () => {
  const health = promiseClient(HealthService, address);
  assert.equal((await health.check({ service: '' })).status, HealthCheckResponse_ServingStatus.SERVING);
  assert.equal(
    (await health.check({ service: 'grpc.health.v1.Health.Copy' })).status,
    HealthCheckResponse_ServingStatus.SERVING,
  );
  await assert.rejects(
    health.check({ service: 'nope' }),
    (error: grpc.ServiceError) => error.code === grpc.status.NOT_FOUND,
  );
  health.close();
});

test('grpc - domain errors keep their kind, reason and metadata; other errors become a generic INTERNAL', async () => {
  const client = promiseClient(copy, address, { metadata: () => bearer('good') });
  await assert.rejects(
    client.check({ service: 'missing' }),
    (error: unknown) =>
      error instanceof DomainError &&
      error.kind === 'not_found' &&
      error.reason === 'THING_NOT_FOUND' &&
      Object.keys(error.metadata).length === 0,
  );
  await assert.rejects(client.check({ service: 'refused' }), (error: unknown) => {
    assert.ok(error instanceof DomainError);
    assert.equal(error.reason, 'THING_REFUSED');
    assert.deepEqual(error.metadata, { decision_id: '0b4a6f1e-5c2d-4e8f-9a1b-2c3d4e5f6a7b', note: 'a&b=c d' });
    return true;
  });
  await assert.rejects(
    client.check({ service: 'boom' }),
    (error: grpc.ServiceError) => error.code === grpc.status.INTERNAL && !error.details.includes('secret'),
  );
  client.close();
});

test('grpc - tokens and scopes are enforced, and the caller deadline reaches the handler', async () => {
  const anonymous = promiseClient(copy, address);
  await assert.rejects(
    anonymous.check({ service: '' }),
    (error: unknown) => error instanceof DomainError && error.reason === 'TOKEN_MISSING',
  );
  await assert.rejects(
    anonymous.check({ service: '' }, { metadata: bearer('bad') }),
    (error: unknown) => error instanceof DomainError && error.reason === 'TOKEN_INVALID',
  );
  const deadlineMs = Date.now() + 3_000;
  await anonymous.check({ service: '' }, { metadata: bearer('good'), deadlineMs });
  assert.ok(Math.abs(seenDeadlineMs - deadlineMs) < 50, 'deadline propagated');
  anonymous.close();
});

test('grpc - a domain error with a huge message reaches the caller as a bounded status, and the channel stays usable', async () => {
  const client = promiseClient(copy, address, { metadata: () => bearer('good') });
  await assert.rejects(
    client.check({ service: 'chatty' }, { deadlineMs: Date.now() + 5_000 }),
    (error: unknown) =>
      error instanceof DomainError &&
      error.reason === 'THING_INVALID' &&
      error.message.length <= 512 &&
      error.message.startsWith('thing xxx'),
  );
  assert.equal((await client.check({ service: '' })).status, HealthCheckResponse_ServingStatus.SERVING);
  client.close();
});

test('grpc - string fields are bounded before the handler runs: at the declared limit accepted, one more refused', async () => {
  const client = promiseClient(copy, address, { metadata: () => bearer('good') });
  assert.equal((await client.check({ service: 's'.repeat(2_048) })).status, HealthCheckResponse_ServingStatus.SERVING);
  await assert.rejects(
    client.check({ service: 's'.repeat(2_049) }),
    (error: unknown) =>
      error instanceof DomainError &&
      error.kind === 'invalid_argument' &&
      error.reason === 'FIELD_TOO_LONG' &&
      error.message === 'service must be at most 2048 characters',
  );
  // Authentication still comes first: an anonymous caller learns nothing about the request.
  const anonymous = promiseClient(copy, address);
  await assert.rejects(
    anonymous.check({ service: 's'.repeat(100_000) }),
    (error: unknown) => error instanceof DomainError && error.reason === 'TOKEN_MISSING',
  );
  anonymous.close();
  client.close();
});

test('grpc - with an admin port, operators are served there only and everyone else only on the public port', async () => {
  const tokens: Record<string, Principal> = {
    service: { clientId: 'shop', subject: 'shop', scopes: new Set(['read']) },
    operator: { clientId: 'operator', subject: 'operator', scopes: new Set(['read', 'things:admin']) },
  };
  const split = new GrpcServer({
    logger: createLogger('test', 'error'),
    authenticate: async (token) => {
      await Promise.resolve();
      const principal = tokens[token];
      if (principal === undefined) throw new DomainError('unauthenticated', 'TOKEN_INVALID', 'bad token');
      return principal;
    },
    adminScope: 'things:admin',
  });
  const open = { check: { ...HealthService.check, path: '/grpc.health.v1.Health.Open/Check' as const } };
  const serving = async (): Promise<{ status: HealthCheckResponse_ServingStatus }> => {
    await Promise.resolve();
    return { status: HealthCheckResponse_ServingStatus.SERVING };
  };
  split.addService('grpc.health.v1.Health.Copy', copy, { check: serving }, { check: { anyScope: ['read'] } });
  split.addService('grpc.health.v1.Health.Open', open, { check: serving }, { check: 'public' });
  const publicAddress = `127.0.0.1:${await split.listen('127.0.0.1', 0)}`;
  const adminPort = await split.listenAdmin('127.0.0.1', await freePort());
  const adminAddress = `127.0.0.1:${adminPort}`;
  const outcomes: string[] = [];
  for (const [port, address] of [
    ['public', publicAddress],
    ['admin', adminAddress],
  ] as const) {
    for (const token of ['service', 'operator', '']) {
      const client = promiseClient(copy, address, {
        metadata: () => (token === '' ? new grpc.Metadata() : bearer(token)),
      });
      const openClient = promiseClient(open, address, {
        metadata: () => (token === '' ? new grpc.Metadata() : bearer(token)),
      });
      outcomes.push(
        `${port} ${token || 'none'}: ${await outcomeOf(client.check({ service: '' }))} / ${await outcomeOf(openClient.check({ service: '' }))}`,
      );
      client.close();
      openClient.close();
    }
    const health = promiseClient(HealthService, address);
    outcomes.push(`${port} health: ${(await health.check({ service: '' })).status}`);
    health.close();
  }
  await split.shutdown(100);
  assert.deepEqual(outcomes, [
    'public service: OK / OK',
    'public operator: permission_denied:ADMIN_PORT_REQUIRED / OK',
    'public none: unauthenticated:TOKEN_MISSING / OK',
    `public health: ${HealthCheckResponse_ServingStatus.SERVING}`,
    'admin service: permission_denied:ADMIN_PORT_OPERATORS_ONLY / permission_denied:ADMIN_PORT_OPERATORS_ONLY',
    'admin operator: OK / OK',
    'admin none: unauthenticated:TOKEN_MISSING / unauthenticated:TOKEN_MISSING',
    `admin health: ${HealthCheckResponse_ServingStatus.SERVING}`,
  ]);
});

test('grpc - without an admin port (port 0) one port serves operators and everyone else', async () => {
  const shared = new GrpcServer({
    logger: createLogger('test', 'error'),
    authenticate: async () => {
      await Promise.resolve();
      return { clientId: 'operator', subject: 'operator', scopes: new Set(['read', 'things:admin']) };
    },
    adminScope: 'things:admin',
  });
  const serving = async (): Promise<{ status: HealthCheckResponse_ServingStatus }> => {
    await Promise.resolve();
    return { status: HealthCheckResponse_ServingStatus.SERVING };
  };
  shared.addService('grpc.health.v1.Health.Copy', copy, { check: serving }, { check: { anyScope: ['read'] } });
  const port = await shared.listen('127.0.0.1', 0);
  assert.equal(await shared.listenAdmin('127.0.0.1', 0), undefined);
  const client = promiseClient(copy, `127.0.0.1:${port}`, { metadata: () => bearer('any') });
  assert.equal(await outcomeOf(client.check({ service: '' })), 'OK');
  client.close();
  await shared.shutdown(100);
});
