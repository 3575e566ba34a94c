// Page sizes and the opaque page tokens of transit's operator lists (ListGates, ListDenyList): where the next page
// starts, the key of the last item served. A token this service did not hand out is PAGE_TOKEN_INVALID.
import { transitReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';

export const maxPageSize = 500;
const defaultPageSize = 100;
const tokenShape = /^[A-Za-z0-9_-]{1,200}$/;

/** 0 means the default; above the maximum is refused (a caller learns the limit instead of a silent cut). */
export function checkPageSize(requested: number): number {
  if (requested > maxPageSize)
    throw invalidArgument(transitReasons.PAGE_SIZE_INVALID, `page_size must be at most ${maxPageSize}`);
  return requested === 0 ? defaultPageSize : requested;
}

/** `kind` keeps one list's token from being used on another. */
export function pageTokenOf(kind: string, key: string): string {
  return Buffer.from(`${kind}|${key}`).toString('base64url');
}

/** The key a token carries, undefined for the first page; `pattern` is what that list's keys look like. */
export function keyOfPageToken(kind: string, token: string, pattern: RegExp): string | undefined {
  if (token === '') return undefined;
  const [tokenKind, key, ...rest] = tokenShape.test(token)
    ? Buffer.from(token, 'base64url').toString('latin1').split('|')
    : [];
  if (tokenKind !== kind || key === undefined || rest.length > 0 || !pattern.test(key))
    throw invalidArgument(transitReasons.PAGE_TOKEN_INVALID, 'page_token is not one this service issued');
  return key;
}
