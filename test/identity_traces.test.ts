// System test: one operator request leaves one trace across gRPC, PostgreSQL and NATS. The caller's traceparent
// goes in as gRPC metadata; the event identity publishes carries the same trace id in its NATS headers, and the
// spans identity exports over OTLP belong to that trace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import { promiseClient } from '@citypass/platform/grpc';
import { startIdentityProcess, type IdentityProcess } from './support/identity_process.ts';
import { startOtlpCollector, type OtlpCollector } from './support/otlp_collector.ts';

let identity: IdentityProcess;
let collector: OtlpCollector;

before(async () => {
  collector = await startOtlpCollector();
  identity = await startIdentityProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint });
});

after(async () => {
  await identity.stop();
  collector.close();
});

test('traces - the caller trace id reaches the NATS event and the exported gRPC and database spans', async () => {
  const token = await identity.operatorToken();
  const traceId = randomBytes(16).toString('hex');
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
  const client = promiseClient(IdentityServiceService, identity.grpcAddress);
  await client.onboardService(
    {
      idempotencyKey: randomBytes(8).toString('hex'),
      name: 'bikes',
      displayName: 'Bike share',
      contactEmail: 'ops@bikes.example',
      extraScopes: [],
      jwksJson: '',
      location: undefined,
    },
    { metadata },
  );
  client.close();

  const nc = await connect({ servers: identity.nats.url });
  const consumer = await jetstream(nc).consumers.get('IDENTITY_EVENTS');
  const message = await consumer.next({ expires: 5_000 });
  await nc.close();
  assert.equal(message?.subject, 'identity.v1.events.service.onboarded');
  assert.match(message.headers?.get('traceparent') ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

  assert.equal(await identity.process.stop(), 0);
  const spans = Buffer.concat(collector.batches);
  assert.ok(spans.includes(Buffer.from(traceId, 'hex')), 'exported spans carry the caller trace id');
  assert.ok(spans.includes(Buffer.from('citypass.identity.v1.IdentityService/OnboardService')), 'a gRPC server span');
  assert.ok(spans.includes(Buffer.from('INSERT')), 'database spans under it');
});
