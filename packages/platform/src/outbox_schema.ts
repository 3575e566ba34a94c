// The outbox and inbox tables and the relay's lease, as migrations in the service's own sequence.
import type { Migration } from './pg.ts';

/**
 * The outbox and inbox tables, numbered `baseNumber` in the service's own sequence, and the relay's lease,
 * numbered `baseNumber + 10`.
 */
export function outboxMigrations(baseNumber: number): Migration[] {
  const sql = `
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  id           uuid NOT NULL UNIQUE,
  subject      text NOT NULL,
  payload      bytea NOT NULL,
  headers      jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

CREATE TABLE inbox (
  consumer     text NOT NULL,
  event_id     text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
`;
  // One relay publishes at a time, so events leave in order; the others wait for its lease to lapse.
  const lease = `
CREATE TABLE outbox_relay_lease (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  holder      text NOT NULL,
  held_until  timestamptz NOT NULL
);
`;
  return [
    { name: `${baseNumber}-outbox.sql`, sql },
    { name: `${baseNumber + 10}-outbox-relay-lease.sql`, sql: lease },
  ];
}
