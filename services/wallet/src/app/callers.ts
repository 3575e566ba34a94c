// Who may do what. Services act only on their own merchant account and holds: the token's client is the
// service, and it must carry `<verb>:<service>` for the command (refunds need `refund:`, granted separately). Settling
// a tap a gate verified is a charge that needs `settle:` as well (see authorize.ts). Residents read their own money by
// showing a presentation of their credential addressed to the wallet.
//
// A service an operator suspended (identity's event, followed into `deps.suspensions`) is refused with
// PERMISSION_DENIED SERVICE_SUSPENDED although its token is still valid, on gRPC and NATS alike, except for the calls
// that only give money back: voiding its pending holds and refunding what it captured. Its holds are not voided for
// it: a hold it cannot capture expires by itself (hold TTL), and the resident's money is released then; voiding or
// refunding sooner can only help the residents it charged, so it is not withheld. Capturing a hold authorized before
// the suspension is refused like a new charge: it is money moving to a merchant the city has stopped.
import { credentialReasons, defaultMaxPresentationBytes } from '@citypass/credential';
import { invalidArgument, permissionDenied, unauthenticated } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';
import { walletReasons, presentationAudiences, serviceScope, walletScopeVerbs } from '@citypass/contracts';
import type { ServiceSuspensions, WhileSuspended } from '@citypass/credential';
import type { Caller, Verb, WalletDeps } from './deps.ts';
import { commonReasons } from '@citypass/platform/reasons';

export type { Verb } from './deps.ts';

export function callerFor(
  suspensions: ServiceSuspensions,
  principal: Principal | undefined,
  verbs: readonly Verb[],
  whileSuspended: WhileSuspended = 'refused',
): Caller {
  if (principal === undefined) throw unauthenticated(commonReasons.TOKEN_MISSING, 'a bearer access token is required');
  const service = principal.clientId;
  suspensions.check(service, whileSuspended);
  const granted = grantedVerbs(principal);
  if (!verbs.some((verb) => granted.has(verb))) {
    throw permissionDenied(
      commonReasons.SCOPE_MISSING,
      `requires scope ${verbs.map((verb) => serviceScope(verb, service)).join(' or ')}`,
    );
  }
  return { service, verbs: granted };
}

/**
 * The verbs a principal's scopes grant on its own account, built once per verified token: the verifier hands back
 * the same principal for a token it remembers, and the set was built anew (a scope string per verb) on every charge.
 */
function grantedVerbs(principal: Principal): ReadonlySet<Verb> {
  let granted = grantedByPrincipal.get(principal);
  if (granted === undefined) {
    const service = principal.clientId;
    granted = new Set(walletScopeVerbs.filter((verb) => principal.scopes.has(serviceScope(verb, service))));
    grantedByPrincipal.set(principal, granted);
  }
  return granted;
}

const grantedByPrincipal = new WeakMap<Principal, ReadonlySet<Verb>>();

/** For a command whose request asks for more than the edge checked (settles_tap needs `settle:` too). */
export function requireVerb(caller: Caller, verb: Verb): void {
  if (!caller.verbs.has(verb))
    throw permissionDenied(commonReasons.SCOPE_MISSING, `requires scope ${serviceScope(verb, caller.service)}`);
}

export const walletAudience = presentationAudiences.wallet;

/** The resident behind a presentation addressed to the wallet (sent as `citypass-presentation` metadata). */
export async function residentFor(deps: WalletDeps, presentation: string | undefined): Promise<string> {
  if (presentation === undefined || presentation === '') {
    throw unauthenticated(
      walletReasons.PRESENTATION_MISSING,
      'residents authenticate with a presentation addressed to the wallet',
    );
  }
  if (presentation.length > defaultMaxPresentationBytes)
    throw invalidArgument(credentialReasons.PRESENTATION_TOO_LARGE, 'presentation is too large');
  return (await deps.mandates.verify(presentation, { audience: walletAudience })).subject;
}
