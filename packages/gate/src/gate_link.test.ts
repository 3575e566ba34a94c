// The gate's gRPC link against a real gRPC server (platform's GrpcServer, 1 MiB receive limit like transit's) that
// serves an in-process transit (FakeTransit) with transit's field limits: message size limits are the transport's,
// so they are tested through it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { isDomainError } from '@citypass/platform/errors';
import { GrpcServer } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { transitFieldLimits } from './transit_limits.ts';
import { grpcGateLink } from './gate_link.ts';
import { GateRuntime } from './gate_runtime.ts';
import { TapJournal } from './tap_journal.ts';
import { TapUploader, type UploadEvent } from './tap_uploader.ts';
import { FakeTransit, gateConfigFor, journalDirectory, journaledTap, makeIssuer, testIssuer } from './test_support.ts';
import { storedTapOf } from './upload_batch.ts';

const issuer = makeIssuer();
const gateId = 'central-gate-1';

/** The two methods a gate calls (the rest of TransitService is not needed here). */
const gateMethods = {
  uploadTaps: TransitServiceService.uploadTaps,
  getGateConfig: TransitServiceService.getGateConfig,
};

/** `fake` served over gRPC; a link to it. Both closed after the test. */
async function served(fake: FakeTransit, maxMessageBytes = 1024 * 1024): Promise<ReturnType<typeof grpcGateLink>> {
  const server = new GrpcServer({ logger: createLogger('gate-link-test', 'error'), maxMessageBytes });
  server.addService(
    'citypass.transit.v1.TransitService',
    gateMethods,
    {
      uploadTaps: (request) => fake.uploadTaps(request),
      getGateConfig: (request) => fake.getGateConfig(request),
    },
    { uploadTaps: 'public', getGateConfig: 'public' },
    transitFieldLimits,
  );
  const port = await server.listen('127.0.0.1', 0);
  const link = grpcGateLink(`127.0.0.1:${port}`, () => Promise.resolve('gate-token'));
  after(async () => {
    link.close();
    await server.shutdown(100);
  });
  return link;
}

test("gate link - a GetGateConfig reply over grpc-js's 4 MiB default is received (limit 16 MiB)", async () => {
  const deniedResidents = Array.from({ length: 150_000 }, () => randomUUID()); // ~5.7 MB
  const link = await served(new FakeTransit(gateConfigFor(gateId, issuer, { deniedResidents })), 32 * 1024 * 1024);
  const config = await link.getGateConfig({ gateId });
  assert.equal(config.deniedResidents.length, deniedResidents.length);
});

test("gate link - an upload over the server's 1 MiB limit fails with resource_exhausted MESSAGE_TOO_LARGE", async () => {
  const link = await served(new FakeTransit(gateConfigFor(gateId, issuer)));
  const taps = Array.from({ length: 320 }, () => storedTapOf(journaledTap({ presentation: 'p'.repeat(3_500) })));
  await assert.rejects(link.uploadTaps({ gateId, taps }), (error) => {
    assert.ok(isDomainError(error));
    assert.deepEqual(
      { kind: error.kind, reason: error.reason },
      { kind: 'resource_exhausted', reason: 'MESSAGE_TOO_LARGE' },
    );
    assert.match(error.message, /larger than max \(\d+ vs 1048576\)/);
    return true;
  });
});

test('gate link - the review probe: 1 OPEN tap and 320 junk scans of 3,500 characters all upload through a 1 MiB server', async () => {
  const fake = new FakeTransit(gateConfigFor(gateId, issuer));
  const link = await served(fake);
  const gate = new GateRuntime({ gateId, issuer: testIssuer, link, journalDir: await journalDirectory() });
  await gate.start(); // the configuration over gRPC
  after(() => gate.stop());
  gate.setOnline(false); // every tap journaled first, then uploaded in one flush, as after an outage
  const presentation = issuer.resident().present();
  const open = await gate.tap(presentation, 'in');
  assert.equal(open.decision, 'OPEN');
  for (let index = 0; index < 320; index++)
    assert.equal((await gate.tap(`${index}-${'x'.repeat(3_500)}`, 'in')).decision, 'DENY');

  gate.setOnline(true);
  await gate.flush();
  assert.equal(gate.pendingCount, 0);
  assert.equal(fake.held.size, 321);
  assert.equal(fake.held.get(open.tapId)?.presentation, presentation);
});

test('gate link - over gRPC, batches the server refuses as too large are halved until they fit', async () => {
  const fake = new FakeTransit(gateConfigFor(gateId, issuer));
  const link = await served(fake);
  const journal = await TapJournal.open(await journalDirectory());
  const taps = Array.from({ length: 400 }, () => journaledTap({ presentation: 'p'.repeat(3_500) })); // ~1.4 MB
  await Promise.all(taps.map((tap) => journal.append(tap)));
  const events: UploadEvent[] = [];
  // The byte budget set above the server's limit, as if the server's limit were lowered after the gate was built.
  const uploader = new TapUploader({
    gateId,
    link,
    journal,
    maxBatchBytes: 8 * 1024 * 1024,
    onEvent: (event) => events.push(event),
  });
  await uploader.flush();

  assert.equal(uploader.pendingCount, 0);
  assert.deepEqual(
    [...fake.held.keys()],
    taps.map((tap) => tap.tapId),
  );
  assert.deepEqual(
    events.filter((event) => event.type === 'upload_too_large').map((event) => event.sentTaps),
    [400],
  );
  await journal.close();
});
