// Service query: its holds, newest first, optionally of one status.
import type { ListHoldsResponse } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument } from '@citypass/platform/errors';
import type { WalletDeps } from './deps.ts';
import { checkPageSize, decodePageToken, nextPageToken } from './page_token.ts';
import { walletReasons } from '@citypass/contracts';

const statuses = ['pending', 'captured', 'voided', 'expired'];

export async function listHolds(
  deps: WalletDeps,
  service: string,
  status: string,
  pageSize: number,
  pageToken: string,
): Promise<ListHoldsResponse> {
  if (status !== '' && !statuses.includes(status))
    throw invalidArgument(walletReasons.STATUS_INVALID, 'status must be pending, captured, voided or expired');
  const limit = checkPageSize(pageSize);
  const holds = await deps.store.holds.list(service, status, decodePageToken(pageToken), limit);
  const last = holds.at(-1);
  return { holds, nextPageToken: nextPageToken(holds.length, limit, last?.createdAt, last?.holdId) };
}
