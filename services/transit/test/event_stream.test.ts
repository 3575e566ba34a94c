// Transit's event stream keeps events for TRANSIT_STREAM_MAX_AGE_S (every tap is an event, so without an age it
// grew for ever): set when transit creates the stream and when it starts on one that exists (an older stream with no
// age gets one). The age may not be shorter than the wallet's longest tap replay (30 days).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectBus, type Bus } from '@citypass/platform/bus';
import { createLogger } from '@citypass/platform/log';
import { loadTransitConfig } from '../src/config.ts';
import { startTransit } from '../src/server.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

const day = 24 * 3600;
let h: TransitHarness;
let bus: Bus;
before(async () => {
  h = await startTransitHarness();
  bus = await connectBus({ servers: h.config.NATS_URL, name: 'transit-stream-test' });
});
after(async () => {
  await bus.close();
  await h.stop();
});

const maxAgeS = async (): Promise<number> => (await bus.jsm.streams.info(h.config.TRANSIT_STREAM)).config.max_age / 1e9;

test('event stream - transit keeps its events 90 days by default and sets a configured age on a running stream', async () => {
  assert.equal(h.config.TRANSIT_STREAM_MAX_AGE_S, 90 * day);
  assert.equal(await maxAgeS(), 90 * day);
  // Another instance started with another age updates the stream it finds.
  const other = await startTransit(
    { ...h.config, TRANSIT_ROLE: 'settlement', TRANSIT_GRPC_PORT: 0, TRANSIT_STREAM_MAX_AGE_S: 45 * day },
    createLogger('transit-stream-test', 'error'),
    { now: () => h.now() },
  );
  try {
    assert.equal(await maxAgeS(), 45 * day);
  } finally {
    await other.stop();
  }
});

test('event stream - an age shorter than the wallet tap replay (30 days) is refused at boot', () => {
  assert.throws(
    () => loadTransitConfig({ TRANSIT_CLIENT_SECRET: 'x'.repeat(32), TRANSIT_STREAM_MAX_AGE_S: String(29 * day) }),
    /TRANSIT_STREAM_MAX_AGE_S/,
  );
  assert.equal(
    loadTransitConfig({ TRANSIT_CLIENT_SECRET: 'x'.repeat(32), TRANSIT_STREAM_MAX_AGE_S: String(30 * day) })
      .TRANSIT_STREAM_MAX_AGE_S,
    30 * day,
  );
});
