import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, test } from 'node:test';
import { context, propagation, trace, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { headers as natsHeaders, TimeoutError } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import {
  connectBus,
  credentialsFromUrls,
  deadlineHeader,
  ensureStream,
  openExistingBucket,
  RemoteInternalError,
  request,
  serve,
  type Bus,
} from '../src/bus.ts';
import { DomainError } from '../src/errors.ts';
import { startNatsServer, testNats, uniqueName } from '../src/testing.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const soon = (ms = 2_000): { deadlineMs: number } => ({ deadlineMs: Date.now() + ms });

let bus: Bus;

before(async () => {
  context.setGlobalContextManager(asyncContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  bus = await connectBus({ servers: (await testNats()).url, name: 'platform-bus-test' });
});

after(async () => {
  await bus.close();
});

test('request - round trip carries payload and deadline', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.echo');
  const deadlineMs = Date.now() + 2_000;
  let seenDeadlineMs = 0;
  const server = serve(bus.nc, subject, {
    queue: 'echo',
    handler: (payload, ctx) => {
      seenDeadlineMs = ctx.deadlineMs;
      return Promise.resolve(encoder.encode(`echo:${decoder.decode(payload)}`));
    },
  });
  const reply = await request(bus.nc, subject, encoder.encode('hello'), { deadlineMs });
  assert.equal(decoder.decode(reply), 'echo:hello');
  assert.equal(seenDeadlineMs, deadlineMs);
  await server.stop();
});

test('request - error reply keeps kind, reason and message', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.fail');
  const server = serve(bus.nc, subject, {
    queue: 'fail',
    handler: () => Promise.reject(new DomainError('failed_precondition', 'INSUFFICIENT_FUNDS', 'balance too low')),
  });
  await assert.rejects(request(bus.nc, subject, new Uint8Array(), soon()), (error: unknown) => {
    assert.ok(error instanceof DomainError);
    assert.equal(error.kind, 'failed_precondition');
    assert.equal(error.reason, 'INSUFFICIENT_FUNDS');
    assert.equal(error.message, 'balance too low');
    assert.deepEqual(error.metadata, {});
    return true;
  });
  await server.stop();
});

test('request - an error reply carries its metadata; one too long to carry is dropped, not cut', async () => {
  const subject = uniqueName('test.v1.fail');
  const metadata = { decision_id: '0b4a6f1e-5c2d-4e8f-9a1b-2c3d4e5f6a7b', note: 'a&b=c d' };
  let next: Record<string, string> = metadata;
  const server = serve(bus.nc, subject, {
    queue: 'fail',
    handler: () =>
      Promise.reject(new DomainError('permission_denied', 'RISK_DECLINED', 'declined', { metadata: next })),
  });
  await assert.rejects(request(bus.nc, subject, new Uint8Array(), soon()), (error: unknown) => {
    assert.ok(error instanceof DomainError);
    assert.deepEqual(error.metadata, metadata);
    return true;
  });
  next = { long: 'x'.repeat(600) };
  await assert.rejects(request(bus.nc, subject, new Uint8Array(), soon()), (error: unknown) => {
    assert.ok(error instanceof DomainError);
    assert.equal(error.reason, 'RISK_DECLINED');
    assert.deepEqual(error.metadata, {});
    return true;
  });
  await server.stop();
});

test('request - an error reply carries at most 512 characters of message', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.chatty');
  const server = serve(bus.nc, subject, {
    queue: 'chatty',
    handler: () =>
      Promise.reject(new DomainError('invalid_argument', 'THING_INVALID', `thing ${'x'.repeat(100_000)} is wrong`)),
  });
  await assert.rejects(
    request(bus.nc, subject, new Uint8Array(), soon()),
    (error: unknown) =>
      error instanceof DomainError &&
      error.reason === 'THING_INVALID' &&
      error.message.length === 512 &&
      error.message.startsWith('thing xxx'),
  );
  await server.stop();
});

test('request - an unexpected handler error becomes a generic internal error', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.crash');
  const server = serve(bus.nc, subject, {
    queue: 'crash',
    handler: () => Promise.reject(new Error('secret detail: connection string')),
  });
  await assert.rejects(request(bus.nc, subject, new Uint8Array(), soon()), (error: unknown) => {
    assert.ok(error instanceof RemoteInternalError);
    assert.equal(error.reason, 'INTERNAL');
    assert.equal(error.message, 'internal error');
    return true;
  });
  await server.stop();
});

test('request - deadline already passed rejects at once without sending', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.late');
  let calls = 0;
  const server = serve(bus.nc, subject, {
    queue: 'late',
    handler: () => {
      calls++;
      return Promise.resolve(new Uint8Array());
    },
  });
  await assert.rejects(request(bus.nc, subject, new Uint8Array(), { deadlineMs: Date.now() - 1 }), {
    name: 'DomainError',
    kind: 'deadline_exceeded',
    reason: 'DEADLINE_EXCEEDED',
  });
  await bus.nc.flush();
  assert.equal(calls, 0);
  await server.stop();
});

test('request - no responders is unavailable NO_RESPONDERS', { timeout: 10_000 }, async () => {
  await assert.rejects(request(bus.nc, uniqueName('test.v1.nobody'), new Uint8Array(), soon()), {
    name: 'DomainError',
    kind: 'unavailable',
    reason: 'NO_RESPONDERS',
  });
});

test('request - a slow server runs into the deadline', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.slow');
  let answered = false;
  const server = serve(bus.nc, subject, {
    queue: 'slow',
    handler: async () => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      answered = true;
      return new Uint8Array();
    },
  });
  await assert.rejects(request(bus.nc, subject, new Uint8Array(), soon(150)), {
    name: 'DomainError',
    kind: 'deadline_exceeded',
    reason: 'DEADLINE_EXCEEDED',
  });
  assert.equal(answered, false, 'gave up at the deadline, not when the server answered');
  await server.stop();
});

test('serve - expired requests are dropped without a reply', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.expired');
  let calls = 0;
  const server = serve(bus.nc, subject, {
    queue: 'expired',
    handler: () => {
      calls++;
      return Promise.resolve(new Uint8Array());
    },
  });
  const headers = natsHeaders();
  headers.set(deadlineHeader, String(Date.now() - 10));
  await assert.rejects(bus.nc.request(subject, new Uint8Array(), { timeout: 300, headers }), TimeoutError);
  assert.equal(calls, 0);
  await server.stop();
});

test('serve - oversized payload is invalid_argument PAYLOAD_TOO_LARGE', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.big');
  const server = serve(bus.nc, subject, {
    queue: 'big',
    maxPayloadBytes: 16,
    handler: (payload) => Promise.resolve(payload),
  });
  assert.equal((await request(bus.nc, subject, new Uint8Array(16), soon())).length, 16);
  await assert.rejects(request(bus.nc, subject, new Uint8Array(17), soon()), {
    name: 'DomainError',
    kind: 'invalid_argument',
    reason: 'PAYLOAD_TOO_LARGE',
  });
  await server.stop();
});

test('serve - queue group shares requests between replicas', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.shared');
  const served = [0, 0];
  const replicas = [0, 1].map((index) =>
    serve(bus.nc, subject, {
      queue: 'shared',
      handler: () => {
        served[index] = (served[index] ?? 0) + 1;
        return Promise.resolve(new Uint8Array());
      },
    }),
  );
  await Promise.all(Array.from({ length: 40 }, () => request(bus.nc, subject, new Uint8Array(), soon())));
  assert.equal((served[0] ?? 0) + (served[1] ?? 0), 40, 'each request served once');
  await Promise.all(replicas.map((replica) => replica.stop()));
});

test('trace - context crosses a request in the traceparent header', { timeout: 10_000 }, async () => {
  const subject = uniqueName('test.v1.traced');
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  let header = '';
  let serverTraceId = '';
  const server = serve(bus.nc, subject, {
    queue: 'traced',
    handler: (_payload, ctx) => {
      header = ctx.headers?.get('traceparent') ?? '';
      serverTraceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
      return Promise.resolve(new Uint8Array());
    },
  });
  const caller = trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
    isRemote: false,
  });
  await context.with(caller, () => request(bus.nc, subject, new Uint8Array(), soon()));
  assert.equal(header, `00-${traceId}-00f067aa0ba902b7-01`);
  assert.equal(serverTraceId, traceId, 'the handler runs inside the caller trace');
  await server.stop();
});

test('ensureStream - creating twice and changing the limits is idempotent', { timeout: 10_000 }, async () => {
  const name = uniqueName('STREAM_TEST').toUpperCase();
  const subjects = [`${name.toLowerCase()}.>`];
  await ensureStream(bus.jsm, { name, subjects });
  await ensureStream(bus.jsm, { name, subjects, maxAgeMs: 60_000, duplicateWindowMs: 30_000 });
  const info = await bus.jsm.streams.info(name);
  assert.equal(info.config.max_age, 60_000 * 1_000_000);
  assert.equal(info.config.duplicate_window, 30_000 * 1_000_000);
  await bus.jsm.streams.delete(name);
});

test('connectBus - survives a broker restart and serves requests after it', { timeout: 10_000 }, async (t) => {
  const server = await startNatsServer();
  const local = await connectBus({ servers: server.url, name: 'restart-test' });
  const subject = uniqueName('test.v1.restart');
  const replier = serve(local.nc, subject, { queue: 'restart', handler: (payload) => Promise.resolve(payload) });
  t.after(async () => {
    await replier.stop();
    await local.close();
    await server.stop();
  });
  assert.equal(decoder.decode(await request(local.nc, subject, encoder.encode('before'), soon())), 'before');
  await server.restart();
  const reply = await request(local.nc, subject, encoder.encode('after'), soon(5_000));
  assert.equal(decoder.decode(reply), 'after');
});

test('connectBus - a request during an outage fails at its deadline', { timeout: 10_000 }, async (t) => {
  const server = await startNatsServer();
  const local = await connectBus({ servers: server.url, name: 'outage-test' });
  t.after(async () => {
    await local.close();
    await server.stop();
  });
  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await assert.rejects(request(local.nc, uniqueName('test.v1.down'), new Uint8Array(), soon(300)), {
    name: 'DomainError',
    kind: 'deadline_exceeded',
    reason: 'DEADLINE_EXCEEDED',
  });
});

/** A minimal AsyncLocalStorage context manager, so `context.with` follows awaits as the OTel SDK's does. */
function asyncContextManager(): ContextManager {
  const storage = new AsyncLocalStorage<Context>();
  const manager: ContextManager = {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
    bind: (_ctx, target) => target,
    enable: () => manager,
    disable: () => manager,
  };
  return manager;
}

test('bus - credentials in server URLs become connection options, never part of the address', () => {
  assert.deepEqual(credentialsFromUrls('nats://wallet:s%40cret@nats:4222'), {
    servers: ['nats://nats:4222'],
    user: 'wallet',
    pass: 's@cret',
  });
  assert.deepEqual(credentialsFromUrls('nats://a:4222,nats://b:4222'), { servers: ['nats://a:4222', 'nats://b:4222'] });
});

test('openExistingBucket - refuses a bucket nobody created yet, opens it once it exists', {
  timeout: 10_000,
}, async () => {
  const bucket = uniqueName('bucket');
  await assert.rejects(
    openExistingBucket(bus.js, bucket),
    'a service started before the bucket exists must wait, not watch nothing',
  );
  await new Kvm(bus.js).create(bucket);
  const kv = await openExistingBucket(bus.js, bucket);
  await kv.put('k', 'v');
  assert.equal((await kv.get('k'))?.string(), 'v');
});
