// Events leave a service through its own database: `appendEvent` writes the event in the same transaction as the
// change (outbox), a relay publishes unpublished rows to JetStream with Nats-Msg-Id = event id, and consumers
// record the ids they processed (inbox) in the same transaction as their effects. A row published twice (the
// relay died between the PubAck and its commit) is dropped by the stream's duplicate window; a message delivered
// twice is skipped by the inbox. So every effect happens once although every hop may repeat.
//
// One file per role; this index keeps `@citypass/platform/outbox` exporting all of them.
export { outboxMigrations } from './outbox_schema.ts';
export { appendEvent, appendEvents, outboxRow, type NewEvent, type OutboxRow } from './outbox_write.ts';
export { startOutboxRelay, type OutboxRelay, type RelayOptions } from './outbox_relay.ts';
export { observeOutboxLag, relayLag } from './outbox_lag.ts';
export { processOnce } from './inbox.ts';
export { startConsumer, type ConsumerOptions } from './consumer.ts';
