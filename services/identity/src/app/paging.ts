// Paging of operators' lists: the page size, the search, and the opaque page token: where the last page ended (the last row's id or name, never a
// person's name: tokens travel in URLs), bound to the list and the search that made it, so one search's position
// cannot be carried into another's results. base64url of an 8-byte digest of (list, search) and the last key.
import { createHash } from 'node:crypto';
import { identityReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import { checkText } from '@citypass/platform/text';

const bindingBytes = 8;

function binding(list: string, search: string): Buffer {
  return createHash('sha256').update(`${list}\u0000${search}`).digest().subarray(0, bindingBytes);
}

export function pageToken(list: string, search: string, after: string): string {
  return Buffer.concat([binding(list, search), Buffer.from(after, 'utf8')]).toString('base64url');
}

/** The key the page starts after; undefined for no token (the first page). */
export function readPageToken(
  list: string,
  search: string,
  token: string,
  isKey: (key: string) => boolean,
): string | undefined {
  if (token === '') return undefined;
  const bytes = /^[\w-]+$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
  const after = bytes.subarray(bindingBytes).toString('utf8');
  if (bytes.length <= bindingBytes || !isKey(after))
    throw invalidArgument(identityReasons.PAGE_TOKEN_INVALID, 'page_token is not one this service issued');
  if (!bytes.subarray(0, bindingBytes).equals(binding(list, search)))
    throw invalidArgument(identityReasons.PAGE_TOKEN_INVALID, 'page_token belongs to another search or list');
  return after;
}

const defaultPageSize = 50;
export const maxPageSize = 200;
const maxSearchLength = 100;

/** How many rows a page holds: page_size, or the default for 0. */
export function pageLimit(pageSize: number): number {
  if (pageSize > maxPageSize)
    throw invalidArgument(identityReasons.PAGE_SIZE_TOO_LARGE, `page_size must be at most ${maxPageSize}`);
  return pageSize === 0 ? defaultPageSize : pageSize;
}

/** The search as matched: bounded, without NUL, its runs of spaces made one. */
export function normalizeSearch(search: string): string {
  return checkText(search, 'search', maxSearchLength).trim().replace(/\s+/g, ' ');
}
