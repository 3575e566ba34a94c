// Page sizes and the opaque page tokens of transit's operator lists (ListGates, ListDenyList): where the next page
// starts, the key of the last item served. A token this service did not hand out is PAGE_TOKEN_INVALID.
import { transitReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import { keyedPageTokens } from '@citypass/platform/page_token';

export const maxPageSize = 500;
const defaultPageSize = 100;

/** 0 means the default; above the maximum is refused (a caller learns the limit instead of a silent cut). */
export function checkPageSize(requested: number): number {
  if (requested > maxPageSize)
    throw invalidArgument(transitReasons.PAGE_SIZE_INVALID, `page_size must be at most ${maxPageSize}`);
  return requested === 0 ? defaultPageSize : requested;
}

const tokens = keyedPageTokens(transitReasons.PAGE_TOKEN_INVALID);

/** `kind` keeps one list's token from being used on another (platform's keyed page tokens). */
export const pageTokenOf = tokens.pageTokenOf;

/** The key a token carries, undefined for the first page; `pattern` is what that list's keys look like. */
export const keyOfPageToken = tokens.keyOfPageToken;
