// What the console's routes need, built once in server.ts.
import type { Context } from 'hono';
import { resources } from '@citypass/contracts';
import { bearer, type PromiseClient } from '@citypass/platform/grpc';
import type { Logger } from '@citypass/platform/log';
import type { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import type { ConsoleConfig } from './config.ts';
import type { OidcClient } from './oidc_client.ts';
import type { Session, SessionStore } from './sessions.ts';

export interface ConsoleDeps {
  readonly config: ConsoleConfig;
  readonly logger: Logger;
  readonly sessions: SessionStore;
  readonly oidc: OidcClient;
  readonly identity: PromiseClient<typeof IdentityServiceService>;
  readonly now: () => number;
}

export interface ConsoleEnv {
  Variables: { session: Session };
}

export type ConsoleContext = Context<ConsoleEnv>;

/** Call metadata carrying the signed-in operator's own token for identity (never a shared secret). */
export async function asOperatorOnIdentity(
  deps: ConsoleDeps,
  session: Session,
): Promise<{ metadata: ReturnType<typeof bearer> }> {
  if (session.signedIn === undefined) throw new Error('asOperatorOnIdentity without a signed-in operator');
  const signedIn = session.signedIn;
  const next = session.refreshing.then(() => deps.oidc.tokenFor(signedIn, resources.identity));
  session.refreshing = next.catch(() => undefined);
  return { metadata: bearer((await next).token) };
}
