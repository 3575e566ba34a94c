// Opening accounts: residents' when identity issues their credential (or on their first top-up), merchants'
// when identity onboards a service, the city's float per currency at start. Opening twice is a no-op.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '@citypass/platform/pg';
import { accountOpened } from '../bus/wallet_events.ts';

export type AccountKind = 'resident' | 'merchant' | 'float';

/** Returns the account id; writes `account.opened` only when this call made the account. */
export async function openAccount(db: Queryable, kind: AccountKind, owner: string, currency: string): Promise<string> {
  const result = await db.query<{ account_id: string; opened: boolean }>('SELECT * FROM wallet_open_account($1, $2, $3, $4)', [
    randomUUID(), kind, owner, currency,
  ]);
  const row = result.rows[0];
  if (row === undefined) throw new Error('wallet_open_account returned no row');
  if (row.opened) await accountOpened(db, { accountId: row.account_id, kind, owner, currency });
  return row.account_id;
}
