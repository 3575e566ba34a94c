// The signed-in operator's access token for one service's resource, refreshed at most once at a time per session
// across every console replica. identity may rotate the refresh token when it is used, and a rotated token used
// again revokes the whole grant (oidc-provider's reuse detection): two replicas refreshing at once could sign the
// operator out. So a refresh first takes the session's refresh lock (compare-and-set on the stored session); the
// winner refreshes and stores the new tokens and refresh token, releasing the lock in the same write; the others
// wait, read the session again and use that token. A lock whose holder died expires (untilMs) and is taken over.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '@citypass/platform/errors';
import type { Logger } from '@citypass/platform/log';
import type { OidcClient } from './oidc_client.ts';
import type { SessionStore } from './session_store.ts';
import { sessionExpired, type HeldToken, type Session } from './sessions.ts';

/** Refresh a little before expiry so a call never leaves with a token that expires on the way. */
const expiryMarginMs = 30_000;
/** How long a refresh may hold the lock (identity answers in milliseconds; a holder that died is waited for). */
const lockMs = 15_000;
const pollMs = 50;
/** A waiter gives up after this: the holder is stuck and its lock has not expired yet. */
const maxWaitMs = lockMs + 5_000;

export interface TokenDeps {
  readonly sessions: SessionStore;
  readonly oidc: OidcClient;
  readonly logger: Logger;
  readonly now: () => number;
}

export function isFresh(held: HeldToken | undefined, nowMs: number): held is HeldToken {
  return held !== undefined && held.expiresAtMs - expiryMarginMs > nowMs;
}

export async function operatorToken(deps: TokenDeps, session: Session, resource: string): Promise<HeldToken> {
  const owner = randomBytes(12).toString('base64url');
  const giveUpAtMs = deps.now() + maxWaitMs;
  for (;;) {
    const now = deps.now();
    if (session.signedIn === undefined) throw sessionExpired();
    const held = session.signedIn.tokens[resource];
    if (isFresh(held, now)) return held;
    // Reads the stored session first: another request or replica may have refreshed already.
    const took = await deps.sessions.changeIf(session, (data) => {
      if (data.signedIn === undefined || isFresh(data.signedIn.tokens[resource], now)) return false;
      if (data.refreshLock !== undefined && data.refreshLock.untilMs > now) return false;
      data.refreshLock = { owner, untilMs: now + lockMs };
      return true;
    });
    if (took) return await refreshHoldingLock(deps, session, resource, owner);
    // Another request holds the lock, or has just refreshed (change() read the session again).
    if (isFresh(currentToken(session, resource), now)) continue;
    if (now > giveUpAtMs)
      throw new DomainError('unavailable', 'SESSION_BUSY', 'another sign-in refresh is stuck; try again shortly');
    await sleep(pollMs);
  }
}

/** The token the session holds now (read again after each change: the stored session may have moved on). */
function currentToken(session: Session, resource: string): HeldToken | undefined {
  return session.signedIn?.tokens[resource];
}

async function refreshHoldingLock(
  deps: TokenDeps,
  session: Session,
  resource: string,
  owner: string,
): Promise<HeldToken> {
  const signedIn = session.signedIn ?? assertNever();
  let result: Awaited<ReturnType<OidcClient['refresh']>>;
  try {
    result = await deps.oidc.refresh(signedIn.refreshToken, resource);
  } catch (error) {
    await release(deps, session, owner);
    throw error;
  }
  const stored = await deps.sessions.changeIf(session, (data) => {
    if (data.signedIn?.subject !== signedIn.subject) return false;
    data.signedIn = {
      ...data.signedIn,
      refreshToken: result.refreshToken ?? data.signedIn.refreshToken,
      tokens: { ...data.signedIn.tokens, [resource]: result.held },
    };
    if (data.refreshLock?.owner === owner) delete data.refreshLock;
    return true;
  });
  if (!stored) throw sessionExpired();
  deps.logger.info('operator token refreshed', { operator: signedIn.username, resource });
  return result.held;
}

/** Gives the lock back after a failed refresh (best effort: it expires anyway). */
async function release(deps: TokenDeps, session: Session, owner: string): Promise<void> {
  await deps.sessions
    .changeIf(session, (data) => {
      if (data.refreshLock?.owner !== owner) return false;
      delete data.refreshLock;
      return true;
    })
    .catch(() => undefined);
}

function assertNever(): never {
  throw new Error('refresh without a signed-in operator');
}
