import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { ChargeResponse, Hold, Money } from '@citypass/proto/wallet/v1/wallet';
import { encodeMessage } from './protobuf.ts';

const envelope = (payloadBytes: number) => ({
  id: 'e1',
  type: 'wallet.v1.events.hold.captured',
  version: 1,
  occurredAt: new Date(1_700_000_000_123),
  source: 'wallet',
  payload: Buffer.alloc(payloadBytes, 7),
});

test('protobuf - a message encodes as the generated encode() does, small after large and large after small', () => {
  for (const size of [10, 5_000, 3, 300]) {
    const encoded = encodeMessage(EventEnvelope, envelope(size));
    assert.deepEqual(encoded, EventEnvelope.encode(envelope(size)).finish());
    assert.deepEqual(EventEnvelope.decode(encoded), envelope(size));
  }
});

test('protobuf - each message is its own copy: encoding the next one leaves it as it was', () => {
  const first = encodeMessage(EventEnvelope, envelope(20));
  const copy = Uint8Array.from(first);
  encodeMessage(EventEnvelope, envelope(40));
  assert.deepEqual(first, copy);
});

test('protobuf - a message that fails halfway leaves nothing behind for the next one', () => {
  // The hold's id is written and its length prefix reserved before its captured amount turns out too large.
  const hold = Hold.fromPartial({ holdId: 'h1', capturedMinor: 2n ** 64n });
  assert.throws(() => encodeMessage(ChargeResponse, { hold, transferId: 't1', payerTransferId: '' }), /too large/);
  const money = { amountMinor: 5n, currency: 'EUR' };
  assert.deepEqual(encodeMessage(Money, money), Money.encode(money).finish());
});
