// Resident query: the balance of their account and what of it is available (not reserved by pending holds).
import type { GetBalanceResponse } from '@citypass/proto/wallet/v1/wallet';
import { residentCurrency } from './currencies.ts';
import type { WalletDeps } from './deps.ts';

export async function getBalance(deps: WalletDeps, residentId: string, requested: string): Promise<GetBalanceResponse> {
  const currency = await residentCurrency(deps, residentId, requested);
  const account = await deps.store.accounts.residentBalance(residentId, currency);
  const balance = account?.balance.amountMinor ?? 0n;
  const held = account?.held.amountMinor ?? 0n;
  return { balance: { amountMinor: balance, currency }, available: { amountMinor: balance - held, currency } };
}
