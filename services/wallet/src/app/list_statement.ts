// Resident query: their account's statement, newest first, one line per transfer.
import type { ListStatementResponse } from '@citypass/proto/wallet/v1/wallet';
import { residentCurrency } from './currencies.ts';
import type { WalletDeps } from './deps.ts';
import { checkPageSize, decodePageToken, nextPageToken } from './page_token.ts';

export async function listStatement(
  deps: WalletDeps,
  residentId: string,
  requested: string,
  pageSize: number,
  pageToken: string,
): Promise<ListStatementResponse> {
  const currency = await residentCurrency(deps, residentId, requested);
  const limit = checkPageSize(pageSize);
  const lines = await deps.store.statements.lines(residentId, currency, decodePageToken(pageToken), limit);
  const last = lines.at(-1);
  return { lines, currency, nextPageToken: nextPageToken(lines.length, limit, last?.postedAt, last?.transferId) };
}
