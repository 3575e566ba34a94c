// Publishing to JetStream with the acknowledgements on one subscription (bus/jetstream_acks.ts): a stored message
// resolves, a repeated message id is stored once and still resolves, a subject no stream takes rejects, and a
// publication nobody acknowledges rejects after its timeout.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PubHeaders } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { connectBus, ensureStream, type Bus } from '@citypass/platform/bus';
import { testNats, uniqueName } from '@citypass/platform/testing';
import { ackedPublisher } from '../src/bus/jetstream_acks.ts';

let bus: Bus;
const stream = uniqueName('ACKS');
const subject = `${stream.toLowerCase()}.events`;
before(async () => {
  bus = await connectBus({ servers: (await testNats()).url, name: 'transit-jetstream-acks-test' });
  await ensureStream(bus.jsm, { name: stream, subjects: [subject] });
});
after(async () => {
  await bus.jsm.streams.delete(stream);
  await bus.close();
});

const withId = (id: string) => {
  const headers = natsHeaders();
  headers.set(PubHeaders.MsgIdHdr, id);
  return headers;
};

test('jetstream acks - stored messages resolve, and a repeated message id is stored once', async () => {
  const publisher = ackedPublisher(bus.nc, bus.inboxPrefix);
  const ids = Array.from({ length: 50 }, () => randomUUID());
  await Promise.all(ids.map((id) => publisher.publish(subject, new TextEncoder().encode(id), withId(id))));
  await publisher.publish(subject, new Uint8Array([1]), withId(ids[0] ?? ''));
  assert.equal((await bus.jsm.streams.info(stream)).state.messages, 50);
});

test('jetstream acks - a subject no stream takes is refused', async () => {
  const publisher = ackedPublisher(bus.nc, bus.inboxPrefix);
  await assert.rejects(publisher.publish(`${subject}-none`, new Uint8Array([1]), withId(randomUUID())), /503/);
});

test('jetstream acks - a publication nobody answers is refused after its timeout', async () => {
  const publisher = ackedPublisher(bus.nc, bus.inboxPrefix, 200);
  // A core NATS subscriber that never replies: the server sends no 503 because someone listens.
  const silent = bus.nc.subscribe(`${subject}-silent`);
  await bus.nc.flush();
  await assert.rejects(
    publisher.publish(`${subject}-silent`, new Uint8Array([1]), withId(randomUUID())),
    /no JetStream acknowledgement within 200 ms/,
  );
  silent.unsubscribe();
});
