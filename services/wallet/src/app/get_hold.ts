// Service query: one of its holds (another service's hold is not found).
import type { Hold } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import type { WalletDeps } from './deps.ts';
import { walletReasons } from '@citypass/contracts';

export async function getHold(deps: WalletDeps, service: string, holdId: string): Promise<Hold> {
  const hold = await deps.store.holds.find(service, checkHoldId(holdId));
  if (hold === undefined) throw notFound(walletReasons.HOLD_NOT_FOUND, 'no such hold for this service');
  return hold;
}

export function checkHoldId(holdId: string): string {
  if (!isUuid(holdId)) throw invalidArgument(walletReasons.HOLD_ID_INVALID, 'hold_id must be a UUID');
  return holdId;
}
