// Operator query: a service's merchant account, its takings less refunds. Nothing is reserved on a merchant account,
// so what is available is the balance. Empty currency: the default one (a service has an account in each).
import type { GetBalanceResponse } from '@citypass/proto/wallet/v1/wallet';
import { failedPrecondition } from '@citypass/platform/errors';
import { walletReasons } from '@citypass/contracts';
import { checkServiceName } from './account_owner.ts';
import { checkCurrency, defaultCurrency } from './currencies.ts';
import type { WalletDeps } from './deps.ts';

export async function getMerchantBalance(
  deps: WalletDeps,
  service: string,
  requested: string,
): Promise<GetBalanceResponse> {
  checkServiceName(service);
  const currency = requested === '' ? defaultCurrency(deps) : checkCurrency(deps, requested);
  const balance = await deps.store.accounts.merchantBalance(service, currency);
  if (balance === undefined)
    throw failedPrecondition(walletReasons.MERCHANT_ACCOUNT_NOT_FOUND, 'the service has no account in that currency');
  return { balance: { amountMinor: balance, currency }, available: { amountMinor: balance, currency } };
}
