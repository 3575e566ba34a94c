// Publishing to JetStream with the acknowledgements on one subscription (jetstream_publish.ts), against a real
// nats-server: stored messages answer their PubAcks in order, a repeated message id is stored once and still answers,
// a subject no stream takes and a stream's refusal reject their own message only, and a batch nobody acknowledges
// rejects after its timeout.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connectBus, ensureStream, type Bus } from '../src/bus.ts';
import { isWrongLastMsgId, JetStreamPublisher, type Publication } from '../src/jetstream_publish.ts';
import { testNats, uniqueName } from '../src/testing.ts';

let bus: Bus;
let publisher: JetStreamPublisher;
const stream = uniqueName('ACKS');
const subject = `${stream.toLowerCase()}.events`;
before(async () => {
  bus = await connectBus({ servers: (await testNats()).url, name: 'platform-jetstream-publish-test' });
  await ensureStream(bus.jsm, { name: stream, subjects: [subject] });
  publisher = new JetStreamPublisher(bus.nc);
});
after(async () => {
  publisher.close();
  await bus.jsm.streams.delete(stream);
  await bus.close();
});

const message = (id: string, to = subject): Publication => ({
  subject: to,
  payload: new TextEncoder().encode(id),
  msgId: id,
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
});

test('jetstream publish - a batch is stored in order with its headers; a repeated id is stored once', async () => {
  const ids = Array.from({ length: 50 }, () => randomUUID());
  const outcomes = await publisher.publishAll(
    ids.map((id) => message(id)),
    5_000,
  );
  const sequences = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.seq : -1));
  assert.deepEqual(
    sequences,
    sequences.map((_, index) => (sequences[0] ?? 0) + index),
    'consecutive sequences, in order',
  );
  const [again] = await publisher.publishAll([message(ids[0] ?? '')], 5_000);
  assert.equal(again?.status === 'fulfilled' && again.value.duplicate, true);
  assert.equal((await bus.jsm.streams.info(stream)).state.messages, 50);
  const stored = await bus.jsm.streams.getMessage(stream, { seq: sequences[7] ?? 0 });
  assert.equal(stored?.header.get('Nats-Msg-Id'), ids[7]);
  assert.equal(stored?.header.get('traceparent'), message('x').headers?.traceparent);
});

test('jetstream publish - a subject no stream takes and a failed expectation reject their own message only', async () => {
  const first = randomUUID();
  const outcomes = await publisher.publishAll(
    [
      message(first),
      message(randomUUID(), `${subject}-none`),
      { ...message(randomUUID()), afterMsgId: first },
      { ...message(randomUUID()), afterMsgId: first },
    ],
    5_000,
  );
  assert.equal(outcomes[0]?.status, 'fulfilled');
  assert.ok(outcomes[1]?.status === 'rejected' && /no stream takes/.test(String(outcomes[1].reason)));
  assert.ok(!isWrongLastMsgId(outcomes[1].reason));
  assert.equal(outcomes[2]?.status, 'fulfilled', 'the first was the last message stored');
  // The third is the last one now, not the first.
  assert.ok(outcomes[3]?.status === 'rejected' && isWrongLastMsgId(outcomes[3].reason));
});

test('jetstream publish - a batch nobody acknowledges is rejected after its timeout', async () => {
  // A core NATS subscriber that never replies: the server sends no 503 because someone listens.
  const silent = bus.nc.subscribe(`${subject}-silent`);
  await bus.nc.flush();
  const outcomes = await publisher.publishAll([message(randomUUID(), `${subject}-silent`)], 200);
  assert.ok(outcomes[0]?.status === 'rejected' && /no PubAck within 200 ms/.test(String(outcomes[0].reason)));
  silent.unsubscribe();
});
