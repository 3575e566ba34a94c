// Payer query: an insurer reads its own payer account: the balance and what of it is available (not reserved by the
// payer legs of pending split holds). Only the payer itself, with its own `read:<payer>` token: the edge checked the
// scope, this checks it is the payer's own. Empty currency: the default one (a payer has an account in each).
import type { GetBalanceResponse } from '@citypass/proto/wallet/v1/wallet';
import { failedPrecondition, permissionDenied } from '@citypass/platform/errors';
import { commonReasons } from '@citypass/platform/reasons';
import { walletReasons } from '@citypass/contracts';
import { checkCurrency, defaultCurrency } from './currencies.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { checkPayer } from './split.ts';

export async function getPayerBalance(
  deps: WalletDeps,
  caller: Caller,
  payer: string,
  requested: string,
): Promise<GetBalanceResponse> {
  if (checkPayer(payer) !== caller.service)
    throw permissionDenied(commonReasons.SCOPE_MISSING, "a payer's balance is read with the payer's own read: scope");
  const currency = requested === '' ? defaultCurrency(deps) : checkCurrency(deps, requested);
  const account = await deps.store.accounts.payerBalance(payer, currency);
  if (account === undefined)
    throw failedPrecondition(walletReasons.PAYER_ACCOUNT_NOT_FOUND, 'no payer account in that currency');
  const balance = account.balance.amountMinor;
  return {
    balance: { amountMinor: balance, currency },
    available: { amountMinor: balance - account.held.amountMinor, currency },
  };
}
