// The wallet database's schema at start: tables and constraints from migrations/ (numbered, applied once each),
// then the ledger's functions from ledger/ (one file per function, reapplied when its text changes).
import { join } from 'node:path';
import { idempotencyMigration } from '@citypass/platform/idempotency';
import { outboxMigrations } from '@citypass/platform/outbox';
import { applyFunctions, migrate, type Migration, type Pool } from '@citypass/platform/pg';

export const migrationsDir = join(import.meta.dirname, 'migrations');
export const ledgerFunctionsDir = join(import.meta.dirname, 'ledger');

/** Platform's tables the ledger functions write to (outbox, idempotency keys), numbered after the wallet's own. */
export function platformMigrations(): Migration[] {
  return [...outboxMigrations(900), idempotencyMigration(901)];
}

export async function prepareSchema(pool: Pool, dir = migrationsDir): Promise<void> {
  await migrate(pool, dir, platformMigrations());
  await applyFunctions(pool, ledgerFunctionsDir);
}
