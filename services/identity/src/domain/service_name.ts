// City services onboarded as OIDC clients: the name becomes the client id and the `charge:<name>` scope.
import { identityReasons, presentationAudiences, serviceScope, serviceScopeVerbs } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';

const namePattern = /^[a-z][a-z0-9-]{1,31}$/;
// The verbs and the resource honouring each are in @citypass/contracts (scopes.ts).
const scopeVerbs: ReadonlySet<string> = new Set(serviceScopeVerbs);
// Names that are also audiences or clients of citypass itself: a service called "wallet" would receive the
// presentations residents address to the wallet to read their balance, one called "transit-account" those they
// address to transit to list their journeys. "transit" is not reserved: the transit service is onboarded under it,
// and the taps it settles are addressed to it. Nor is "health-billing", onboarded under its name: the bills
// residents read are addressed to it, and it charges only with a payee (the clinic, the mandate's audience).
const reservedNames = new Set([
  'operator',
  'citypass-app',
  'citypass-cli',
  'console',
  'identity',
  'city',
  presentationAudiences.wallet,
  presentationAudiences.transitAccount,
]);

export function isServiceName(name: string): boolean {
  return namePattern.test(name);
}

export function validateServiceName(name: string): string {
  if (!isServiceName(name)) {
    throw invalidArgument(
      identityReasons.SERVICE_NAME_INVALID,
      'service name must be 2-32 characters of [a-z0-9-], starting with a letter',
    );
  }
  if (reservedNames.has(name))
    throw invalidArgument(identityReasons.SERVICE_NAME_RESERVED, `service name "${name}" is reserved`);
  return name;
}

/** The service's scopes: always `charge:<name>`, plus extra `<verb>:<name>` scopes from a closed list of verbs. */
export function serviceScopes(name: string, extra: readonly string[]): string[] {
  const scopes = new Set([serviceScope('charge', name)]);
  for (const scope of extra) {
    const [verb, owner, ...rest] = scope.split(':');
    if (verb === undefined || !scopeVerbs.has(verb) || owner !== name || rest.length > 0) {
      throw invalidArgument(
        identityReasons.SCOPE_INVALID,
        `scope must be one of ${[...scopeVerbs].map((v) => `${v}:${name}`).join(', ')}`,
      );
    }
    scopes.add(scope);
  }
  return [...scopes].sort();
}

export function validateContactEmail(email: string): string {
  if (email.length > 254 || !/^[^\s@\0]+@[^\s@\0]+\.[^\s@\0]+$/.test(email)) {
    throw invalidArgument(
      identityReasons.CONTACT_EMAIL_INVALID,
      'contact email must be an address like ops@parking.example',
    );
  }
  return email;
}
