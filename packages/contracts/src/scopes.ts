// Access token scopes and the resource that honours each. A city service holds `<verb>:<service>` scopes on its
// own name (always `charge:`, the others granted at onboarding); the operator holds one admin scope per resource.
import { resources, type Resource } from './resources.ts';

/**
 * Verbs on the wallet: charge, refund, read (its own holds and reports), topup, settle (taps a gate verified),
 * adjudicate (split a charge: a payer's share, such as an insurer's, beside the resident's, paid to another
 * merchant such as a clinic; granted to health-billing).
 */
export const walletScopeVerbs = ['charge', 'refund', 'read', 'topup', 'settle', 'adjudicate'] as const;
/** Verbs on transit: gate (the client is a gate or gate fleet whose taps transit takes). */
export const transitScopeVerbs = ['gate'] as const;
/**
 * Verbs on health-billing: bill (the client is a clinic billing its patients), insure (the client is an insurer,
 * whose payer account in the wallet pays its plans' shares and who reads its claims).
 */
export const healthBillingScopeVerbs = ['bill', 'insure'] as const;
export const serviceScopeVerbs = [...walletScopeVerbs, ...transitScopeVerbs, ...healthBillingScopeVerbs] as const;

export type WalletScopeVerb = (typeof walletScopeVerbs)[number];
export type ServiceScopeVerb = (typeof serviceScopeVerbs)[number];

/** The operator's scopes, one per resource it administers. */
export const operatorScopes = {
  identity: 'identity:admin',
  /** The wallet's books and accounts; money moves only back: finance and admin operators refund captured holds. */
  wallet: 'wallet:admin',
  transit: 'transit:admin',
  healthBilling: 'health-billing:admin',
} as const;

/** `<verb>:<service>`, e.g. `charge:parking`. */
export function serviceScope(verb: ServiceScopeVerb, service: string): string {
  return `${verb}:${service}`;
}

const serviceScopePattern = /^([a-z]+):([a-z0-9-]+)$/;
const verbResources: ReadonlyMap<string, Resource> = new Map<string, Resource>([
  ...walletScopeVerbs.map((verb) => [verb, resources.wallet] as const),
  ...transitScopeVerbs.map((verb) => [verb, resources.transit] as const),
  ...healthBillingScopeVerbs.map((verb) => [verb, resources.healthBilling] as const),
]);

/** The resource server that honours `scope`, or undefined for a scope no resource knows. */
export function resourceOfScope(scope: string): Resource | undefined {
  if (scope === operatorScopes.identity) return resources.identity;
  if (scope === operatorScopes.wallet) return resources.wallet;
  if (scope === operatorScopes.transit) return resources.transit;
  if (scope === operatorScopes.healthBilling) return resources.healthBilling;
  const match = serviceScopePattern.exec(scope);
  return match?.[1] === undefined ? undefined : verbResources.get(match[1]);
}
