// Health billing's database schema at start: its tables (migrations/, numbered, applied once each) and the
// platform's outbox, inbox and idempotency tables, numbered after them.
import { join } from 'node:path';
import { idempotencyMigration } from '@citypass/platform/idempotency';
import { outboxMigrations } from '@citypass/platform/outbox';
import { migrate, type Pool } from '@citypass/platform/pg';

export const migrationsDir = join(import.meta.dirname, 'migrations');

export async function prepareSchema(pool: Pool): Promise<void> {
  await migrate(pool, migrationsDir, [...outboxMigrations(900), idempotencyMigration(901)]);
}
