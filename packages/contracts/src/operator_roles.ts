// Operators are people who sign in to the console; their roles decide which admin scopes their tokens may carry.
// This is the one place that mapping is written. It is coarse on purpose: a scope opens a service's operator API,
// and the services check the roles (and the operator's scope, operator_scope.ts) in the token for finer rules (a
// support operator may revoke but not onboard): each in its own app/operator_scope.ts.
import { operatorScopes } from './scopes.ts';

export const operatorRoles = ['admin', 'onboarder', 'support', 'finance', 'auditor'] as const;
export type OperatorRole = (typeof operatorRoles)[number];

const allAdminScopes: readonly string[] = Object.values(operatorScopes);

const scopesByRole: Readonly<Record<OperatorRole, readonly string[]>> = {
  admin: allAdminScopes,
  onboarder: [operatorScopes.identity],
  support: [operatorScopes.identity],
  finance: [operatorScopes.wallet],
  // The auditor reads the wallet's and transit's audit logs (and what they name); each service refuses them every
  // change by role (transit: fare rules and gate assignments need admin; the wallet: refunds finance or admin, risk
  // rule sets admin).
  auditor: [operatorScopes.wallet, operatorScopes.transit],
};

export function isOperatorRole(value: string): value is OperatorRole {
  return (operatorRoles as readonly string[]).includes(value);
}

/** The admin scopes an operator with `roles` may be granted; unknown roles grant nothing. */
export function adminScopesOfRoles(roles: readonly string[]): ReadonlySet<string> {
  return new Set(roles.filter(isOperatorRole).flatMap((role) => scopesByRole[role]));
}
