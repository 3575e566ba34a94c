// What the console's routes need, built once in server.ts.
import type { Context } from 'hono';
import { resources, type Resource } from '@citypass/contracts';
import { bearer, type PromiseClient } from '@citypass/platform/grpc';
import type { Logger } from '@citypass/platform/log';
import type { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import type { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import type { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import type { ConsoleConfig } from './config.ts';
import type { LiveViews } from './live/live_views.ts';
import type { OidcClient } from './oidc_client.ts';
import type { SessionStore } from './session_store.ts';
import type { Session } from './sessions.ts';
import { operatorToken as refreshedToken } from './token_refresh.ts';

export interface ConsoleDeps {
  readonly config: ConsoleConfig;
  readonly logger: Logger;
  readonly sessions: SessionStore;
  readonly oidc: OidcClient;
  readonly identity: PromiseClient<typeof IdentityServiceService>;
  readonly transit: PromiseClient<typeof TransitServiceService>;
  readonly wallet: PromiseClient<typeof WalletServiceService>;
  /** What the live views show, fed from NATS (in memory only). */
  readonly live: LiveViews;
  readonly now: () => number;
}

export interface ConsoleEnv {
  Variables: { session: Session };
}

export type ConsoleContext = Context<ConsoleEnv>;

/**
 * The signed-in operator's own access token for one service's resource, from their own grant (never a shared
 * secret), and the scopes identity allowed it for their roles. One refresh at a time per session, across replicas.
 */
export async function operatorToken(
  deps: ConsoleDeps,
  session: Session,
  resource: Resource,
): Promise<{ token: string; scope: string }> {
  return await refreshedToken(deps, session, resource);
}

/** Call metadata carrying the signed-in operator's own token for identity. */
export async function asOperatorOnIdentity(
  deps: ConsoleDeps,
  session: Session,
): Promise<{ metadata: ReturnType<typeof bearer> }> {
  return { metadata: bearer((await operatorToken(deps, session, resources.identity)).token) };
}

/** Call metadata carrying the signed-in operator's own token for transit. */
export async function asOperatorOnTransit(
  deps: ConsoleDeps,
  session: Session,
): Promise<{ metadata: ReturnType<typeof bearer> }> {
  return { metadata: bearer((await operatorToken(deps, session, resources.transit)).token) };
}

/** The same for the wallet: the operator's `wallet:admin`, which reads, and refunds for finance and admin operators. */
export async function asOperatorOnWallet(
  deps: ConsoleDeps,
  session: Session,
): Promise<{ metadata: ReturnType<typeof bearer> }> {
  return { metadata: bearer((await operatorToken(deps, session, resources.wallet)).token) };
}
