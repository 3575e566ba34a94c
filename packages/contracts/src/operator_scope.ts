// Delegated administration: an operator may be scoped to one merchant (an onboarded service's name) and/or one city
// department. Identity stores the scope with the operator and writes it into their ID and access tokens beside their
// roles (the claim names below); each service reads it from the verified token and decides, in its one
// `operator_scope.ts`, what the operator may see. This file holds only what they share: the claim names, the closed
// set of departments and the one rule that compares a scope with what a resource belongs to.
//
// The rule: every dimension the operator is scoped in must match the resource's owner in that dimension. A resource
// that belongs to no merchant (fare rules, residents, the city's books) is outside every merchant scope; one that
// belongs to no department (the wallet's ledger, identity's service clients) is outside every department scope.
// An unscoped operator (and the deployment's own `operator` client, whose tokens carry no roles) sees everything.

import type { Principal } from '@citypass/platform/grpc';
import { isOperatorRole, operatorRoles, type OperatorRole } from './operator_roles.ts';

/**
 * The departments that run a part of the city: `transit` owns the metro (transit's fare rules, gates, deny list),
 * `health` owns clinic billing (health-billing's codes, plans and fee schedules).
 */
export const departments = ['transit', 'health'] as const;
export type Department = (typeof departments)[number];

export function isDepartment(value: string): value is Department {
  return (departments as readonly string[]).includes(value);
}

/** The token claims that carry an operator's roles and scope (absent when unscoped). */
export const operatorClaimNames = { roles: 'roles', merchant: 'merchant', department: 'department' } as const;

/** An operator's scope; '' in a dimension means not scoped in it. */
export interface OperatorScope {
  readonly merchant: string;
  readonly department: Department | '';
}

export const unscoped: OperatorScope = Object.freeze({ merchant: '', department: '' });

/** What a resource belongs to; a dimension left out means it belongs to nobody in it. */
export interface ResourceOwner {
  readonly merchant?: string;
  readonly department?: Department;
}

/**
 * Whether `scope` covers a resource owned by `owner`: undefined when it does, else the dimension that refuses it
 * (`merchant` when the operator names another merchant's resource, `outside` otherwise).
 */
export function scopeRefusal(scope: OperatorScope, owner: ResourceOwner): 'merchant' | 'outside' | undefined {
  if (scope.department !== '' && owner.department !== scope.department) return 'outside';
  if (scope.merchant === '') return undefined;
  if (owner.merchant === undefined) return 'outside';
  return owner.merchant === scope.merchant ? undefined : 'merchant';
}

/** What an operator holding a service's admin scope may do there: their roles and their scope. */
export interface OperatorAccess {
  readonly roles: ReadonlySet<OperatorRole>;
  readonly scope: OperatorScope;
}

const everyRole: ReadonlySet<OperatorRole> = new Set(operatorRoles);

/**
 * The access of a caller that holds an admin scope. A token with no operator claims is the deployment's own
 * `operator` client (client credentials, no person behind it): every role, unscoped, as before roles existed.
 * Call it only after the admin scope was checked: a city service's token carries no operator claims either.
 */
export function operatorAccessOf(principal: Principal | undefined): OperatorAccess {
  const claims = principal?.operator;
  if (claims === undefined) return { roles: everyRole, scope: unscoped };
  const department = claims.department;
  return {
    roles: new Set(claims.roles.filter(isOperatorRole)),
    // The verifier refused any other department; '' is kept for a token from before departments.
    scope: { merchant: claims.merchant, department: isDepartment(department) ? department : '' },
  };
}

export function hasAnyRole(access: OperatorAccess, roles: readonly OperatorRole[]): boolean {
  return roles.some((role) => access.roles.has(role));
}

export function isScoped(scope: OperatorScope): boolean {
  return scope.merchant !== '' || scope.department !== '';
}
