// What the console's routes need, built once in server.ts.
import type { Context } from 'hono';
import { resources } from '@citypass/contracts';
import { bearer, type PromiseClient } from '@citypass/platform/grpc';
import type { Logger } from '@citypass/platform/log';
import type { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import type { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import type { ConsoleConfig } from './config.ts';
import type { LiveViews } from './live/live_views.ts';
import type { OidcClient } from './oidc_client.ts';
import type { Session, SessionStore } from './sessions.ts';

export interface ConsoleDeps {
  readonly config: ConsoleConfig;
  readonly logger: Logger;
  readonly sessions: SessionStore;
  readonly oidc: OidcClient;
  readonly identity: PromiseClient<typeof IdentityServiceService>;
  readonly wallet: PromiseClient<typeof WalletServiceService>;
  /** What the live views show, fed from NATS (in memory only). */
  readonly live: LiveViews;
  readonly now: () => number;
}

export interface ConsoleEnv {
  Variables: { session: Session };
}

export type ConsoleContext = Context<ConsoleEnv>;

/** The signed-in operator's own access token for `resource`, refreshed one at a time per session. */
export async function operatorToken(
  deps: ConsoleDeps,
  session: Session,
  resource: string,
): Promise<{ token: string; scope: string }> {
  if (session.signedIn === undefined) throw new Error('operatorToken without a signed-in operator');
  const signedIn = session.signedIn;
  const next = session.refreshing.then(() => deps.oidc.tokenFor(signedIn, resource));
  session.refreshing = next.catch(() => undefined);
  return next;
}

/** Call metadata carrying the signed-in operator's own token for identity (never a shared secret). */
export async function asOperatorOnIdentity(
  deps: ConsoleDeps,
  session: Session,
): Promise<{ metadata: ReturnType<typeof bearer> }> {
  return { metadata: bearer((await operatorToken(deps, session, resources.identity)).token) };
}

/** The same for the wallet: the operator's `wallet:admin`, which reads and moves no money. */
export async function asOperatorOnWallet(
  deps: ConsoleDeps,
  session: Session,
): Promise<{ metadata: ReturnType<typeof bearer> }> {
  return { metadata: bearer((await operatorToken(deps, session, resources.wallet)).token) };
}
