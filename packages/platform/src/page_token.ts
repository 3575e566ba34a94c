// Opaque keyed page tokens: `<kind>|<key>` in base64url, where the kind names the list (and its filters) and the key
// is the last item served. A token of another list, or one no service handed out, is refused with the service's own
// PAGE_TOKEN_INVALID reason.
import { invalidArgument } from './errors.ts';

const tokenShape = /^[A-Za-z0-9_-]{1,200}$/;

export interface KeyedPageTokens {
  /** `kind` keeps one list's token from being used on another. */
  readonly pageTokenOf: (kind: string, key: string) => string;
  /** The key a token carries, undefined for the first page; `pattern` is what that list's keys look like. */
  readonly keyOfPageToken: (kind: string, token: string, pattern: RegExp) => string | undefined;
}

/** `reason`: the service's PAGE_TOKEN_INVALID. */
export function keyedPageTokens(reason: string): KeyedPageTokens {
  return {
    pageTokenOf: (kind, key) => Buffer.from(`${kind}|${key}`).toString('base64url'),
    keyOfPageToken: (kind, token, pattern) => {
      if (token === '') return undefined;
      const [tokenKind, key, ...rest] = tokenShape.test(token)
        ? Buffer.from(token, 'base64url').toString('latin1').split('|')
        : [];
      if (tokenKind !== kind || key === undefined || rest.length > 0 || !pattern.test(key))
        throw invalidArgument(reason, 'page_token is not one this service issued');
      return key;
    },
  };
}
