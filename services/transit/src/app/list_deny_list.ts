// ListDenyList: the residents gates deny for an unpaid fare, with what they owe and since when, longest on the
// list first, a page at a time (keyset on (since, resident_id): the deny_list_since index).
import type { ListDenyListRequest, ListDenyListResponse } from '@citypass/proto/transit/v1/transit';
import type { DenyListCursor, TransitStore } from './transit_store.ts';
import { checkPageSize, keyOfPageToken, pageTokenOf } from './page_token.ts';

const keyPattern = /^\d{1,17}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function listDenyList(
  deps: { store: TransitStore },
  request: ListDenyListRequest,
): Promise<ListDenyListResponse> {
  const size = checkPageSize(request.pageSize);
  const entries = await deps.store.denyList.page(cursorOf(request.pageToken), size + 1);
  const page = entries.slice(0, size);
  const last = page.at(-1);
  return {
    entries: page.map((entry) => ({
      residentId: entry.residentId,
      debtMinor: entry.debtMinor,
      currency: entry.currency,
      reason: entry.reason,
      riskDecisionId: entry.riskDecisionId ?? '',
      since: new Date(Number(entry.sinceMicros / 1000n)),
    })),
    nextPageToken:
      entries.length > size && last !== undefined ? pageTokenOf('deny', `${last.sinceMicros}:${last.residentId}`) : '',
  };
}

function cursorOf(token: string): DenyListCursor | undefined {
  const key = keyOfPageToken('deny', token, keyPattern);
  if (key === undefined) return undefined;
  const [sinceMicros = '', residentId = ''] = key.split(':');
  return { sinceMicros: BigInt(sinceMicros), residentId };
}
