// Page sizes and the opaque page tokens of list queries: the (time, id) of the last item of the previous page.
import assert from 'node:assert/strict';
import { invalidArgument } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import type { PageCursor } from './store.ts';
import { walletReasons } from '@citypass/contracts';

const maxPageSize = 200;

export function checkPageSize(pageSize: number): number {
  if (pageSize > maxPageSize)
    throw invalidArgument(walletReasons.PAGE_SIZE_TOO_LARGE, `page_size must be at most ${maxPageSize}`);
  return pageSize === 0 ? 50 : pageSize;
}

/** A token for the page after this one when this one is full, else '' (the last page). */
export function nextPageToken(
  count: number,
  limit: number,
  lastAt: Date | undefined,
  lastId: string | undefined,
): string {
  if (count !== limit || lastAt === undefined || lastId === undefined) return '';
  assert.ok(count > 0, 'a full page has items');
  return Buffer.from(`${lastAt.toISOString()}|${lastId}`).toString('base64url');
}

export function decodePageToken(token: string): PageCursor | undefined {
  if (token === '') return undefined;
  const [at, id, ...rest] = Buffer.from(token, 'base64url').toString().split('|');
  // Only what nextPageToken writes: an ISO timestamp that round-trips, and a UUID.
  const valid =
    at !== undefined &&
    id !== undefined &&
    rest.length === 0 &&
    isUuid(id) &&
    !Number.isNaN(Date.parse(at)) &&
    new Date(at).toISOString() === at;
  if (!valid) throw invalidArgument(walletReasons.PAGE_TOKEN_INVALID, 'page_token is not one this service issued');
  return { at, id };
}
