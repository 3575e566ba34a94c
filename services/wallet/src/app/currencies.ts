// Which currency a read is in: one this wallet runs, or for a resident who names none, their account's.
import assert from 'node:assert/strict';
import { invalidArgument } from '@citypass/platform/errors';
import type { WalletDeps } from './deps.ts';
import { walletReasons } from '@citypass/contracts';

/**
 * The currency of a resident's read. Named: it must be one this wallet runs. Empty: the resident's account, that is
 * their only one, or when they hold several (or none yet) the one in the default currency (the first configured,
 * where every resident's account is opened when their credential is issued).
 */
export async function residentCurrency(deps: WalletDeps, residentId: string, requested: string): Promise<string> {
  if (requested !== '') return checkCurrency(deps, requested);
  const currencies = await deps.store.accounts.residentCurrencies(residentId, 2);
  const only = currencies.length === 1 ? currencies[0] : undefined;
  return only !== undefined && deps.currencies.has(only) ? only : defaultCurrency(deps);
}

/** The first configured currency: where every resident's account is opened (payers have one in each). */
export function defaultCurrency(deps: WalletDeps): string {
  const [first] = deps.currencies;
  assert.ok(first !== undefined, 'the wallet runs at least one currency');
  return first;
}

// The value is not repeated in the message: it may be anything up to the edge's field limit.
export function checkCurrency(deps: WalletDeps, currency: string): string {
  if (!deps.currencies.has(currency))
    throw invalidArgument(walletReasons.CURRENCY_UNSUPPORTED, 'currency is not one this wallet runs');
  return currency;
}
