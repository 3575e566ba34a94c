// System test: one operator request leaves one trace across gRPC, PostgreSQL and NATS. The caller's traceparent
// goes in as gRPC metadata; the event identity publishes carries the same trace id in its NATS headers, and the
// spans identity exports over OTLP belong to that trace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import { promiseClient } from '@citypass/platform/grpc';
import { freePort, startNatsServer, testPostgres, type LocalNats, type TestDatabase } from '@citypass/platform/testing';
import { startServiceProcess, type ServiceProcess } from './support/service_process.ts';

const secret = (): string => randomBytes(32).toString('base64url');
const operatorSecret = secret();
let database: TestDatabase;
let nats: LocalNats;
let identity: ServiceProcess;
let collector: Server;
const exported: Buffer[] = [];
let issuer: string;
let grpcPort: number;

before(async () => {
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') exported.push(Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/x-protobuf' });
      response.end();
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  database = await testPostgres();
  nats = await startNatsServer();
  const httpPort = await freePort();
  grpcPort = await freePort();
  issuer = `http://127.0.0.1:${httpPort}`;
  identity = await startServiceProcess('identity', {
    IDENTITY_ISSUER: issuer,
    IDENTITY_HTTP_HOST: '127.0.0.1',
    IDENTITY_HTTP_PORT: String(httpPort),
    IDENTITY_GRPC_HOST: '127.0.0.1',
    IDENTITY_GRPC_PORT: String(grpcPort),
    IDENTITY_DATABASE_URL: database.url,
    NATS_URL: nats.url,
    IDENTITY_KEY_ENCRYPTION_KEY: secret(),
    IDENTITY_COOKIE_KEYS: secret(),
    IDENTITY_OPERATOR_CLIENT_SECRET: operatorSecret,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
  });
});

after(async () => {
  await identity.stop();
  await nats.stop();
  await database.drop();
  collector.close();
});

test('traces - the caller trace id reaches the NATS event and the exported gRPC and database spans', async () => {
  const tokenResponse = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`operator:${operatorSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'urn:citypass:identity', scope: 'identity:admin' }),
  });
  const token = ((await tokenResponse.json()) as { access_token: string }).access_token;
  const traceId = randomBytes(16).toString('hex');
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
  const client = promiseClient(IdentityServiceService, `127.0.0.1:${grpcPort}`);
  await client.onboardService(
    { idempotencyKey: randomBytes(8).toString('hex'), name: 'bikes', displayName: 'Bike share', contactEmail: 'ops@bikes.example', extraScopes: [], jwksJson: '' },
    { metadata },
  );
  client.close();

  const nc = await connect({ servers: nats.url });
  const consumer = await jetstream(nc).consumers.get('IDENTITY_EVENTS');
  const message = await consumer.next({ expires: 5_000 });
  await nc.close();
  assert.equal(message?.subject, 'identity.v1.events.service.onboarded');
  assert.match(message.headers?.get('traceparent') ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

  assert.equal(await identity.stop(), 0);
  const spans = Buffer.concat(exported);
  assert.ok(spans.includes(Buffer.from(traceId, 'hex')), 'exported spans carry the caller trace id');
  assert.ok(spans.includes(Buffer.from('citypass.identity.v1.IdentityService/OnboardService')), 'a gRPC server span');
  assert.ok(spans.includes(Buffer.from('INSERT')), 'database spans under it');
});
