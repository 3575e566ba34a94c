// Opening accounts: residents' when identity issues their credential (or on their first top-up), merchants'
// when identity onboards a service, the city's float per currency at start. Opening twice is a no-op.
import { accountOpened } from '../bus/wallet_events.ts';
import type { AccountKind, LedgerTransaction } from './store.ts';

/** Returns the account id; writes `account.opened` only when this call made the account. */
export async function openAccount(
  tx: LedgerTransaction,
  kind: AccountKind,
  owner: string,
  currency: string,
): Promise<string> {
  const { accountId, opened } = await tx.openAccount(kind, owner, currency);
  if (opened) await tx.appendEvent(accountOpened({ accountId, kind, owner, currency }));
  return accountId;
}
