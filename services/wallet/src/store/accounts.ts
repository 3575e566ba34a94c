// Accounts: opening them, and what a resident's or a payer's account holds.
import { randomUUID } from 'node:crypto';
import { minorUnits } from '@citypass/platform/money';
import type { Queryable } from '@citypass/platform/pg';
import type { AccountBalance, AccountKind, AccountReads } from '../app/store.ts';
import { callLedger } from './ledger_calls.ts';

export function accountReads(db: Queryable): AccountReads {
  return {
    residentBalance: (residentId, currency) => balanceOf(db, 'resident', residentId, currency),
    payerBalance: (payer, currency) => balanceOf(db, 'payer', payer, currency),
    async merchantBalance(service, currency) {
      const result = await db.query<{ balance_minor: string }>(
        "SELECT balance_minor FROM accounts WHERE kind = 'merchant' AND owner = $1 AND currency = $2",
        [service, currency],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : BigInt(row.balance_minor);
    },
    async residentCurrencies(residentId, limit) {
      const result = await db.query<{ currency: string }>(
        "SELECT currency FROM accounts WHERE kind = 'resident' AND owner = $1 LIMIT $2",
        [residentId, limit],
      );
      return result.rows.map((row) => row.currency);
    },
  };
}

/** Residents' and payers' balances are never below zero (database constraints), so they are minor units. */
async function balanceOf(
  db: Queryable,
  kind: 'resident' | 'payer',
  owner: string,
  currency: string,
): Promise<AccountBalance | undefined> {
  const result = await db.query<{ balance_minor: string; held_minor: string }>(
    'SELECT balance_minor, held_minor FROM accounts WHERE kind = $1 AND owner = $2 AND currency = $3',
    [kind, owner, currency],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return {
    balance: { amountMinor: minorUnits(BigInt(row.balance_minor)), currency },
    held: { amountMinor: minorUnits(BigInt(row.held_minor)), currency },
  };
}

export async function openAccount(
  db: Queryable,
  kind: AccountKind,
  owner: string,
  currency: string,
): Promise<{ accountId: string; opened: boolean }> {
  const rows = await callLedger<{ account_id: string; opened: boolean }>(db, 'wallet_open_account', '*', {
    p_id: randomUUID(),
    p_kind: kind,
    p_owner: owner,
    p_currency: currency,
  });
  const row = rows[0];
  if (row === undefined) throw new Error('wallet_open_account returned no row');
  return { accountId: row.account_id, opened: row.opened };
}
