// What the console shows an operator for their scope (contracts' operator_scope.ts). The services enforce the scope
// from the operator's own tokens and answer lists already narrowed; this file only words the scope, picks the links
// worth offering, and guards the live views, which the console draws itself from city-wide NATS feeds.
//
// The audit link: for whoever some log would answer (identity's, transit's or the wallet's, by each service's own
// rules on roles and scope); the page leaves out, with a note, the logs that refuse them.
//
// Live views: the city now (every merchant's authorizations and declines, every gate's taps) is for unscoped
// operators; the gate taps as they happen are for unscoped and transit-department operators. Any role may watch.
import type { OperatorRole, OperatorScope } from '@citypass/contracts';
import { permissionDenied } from '@citypass/platform/errors';
import type { SignedIn } from './sessions.ts';

export type LiveView = 'city' | 'taps';

/** The console's own refusal of a live view (it has no errors.proto: the reason is defined here, once). */
export const liveViewOutOfScope = 'LIVE_VIEW_OUT_OF_SCOPE';

export function mayWatch(scope: OperatorScope, view: LiveView): boolean {
  if (scope.merchant !== '') return false;
  return scope.department === '' || (view === 'taps' && scope.department === 'transit');
}

export function checkMayWatch(signedIn: SignedIn | undefined, view: LiveView): void {
  if (signedIn !== undefined && !mayWatch(signedIn.scope, view))
    throw permissionDenied(liveViewOutOfScope, 'this live view covers more than your scope');
}

/** The scope in words, for the home page. */
export function scopeText(scope: OperatorScope): string {
  const parts = [
    ...(scope.merchant === '' ? [] : [`the merchant ${scope.merchant}`]),
    ...(scope.department === '' ? [] : [`the ${scope.department} department`]),
  ];
  return parts.length === 0 ? 'the whole city' : parts.join(' within ');
}

/** The home page's links an operator of this scope can use (the services would refuse the others). */
export type HomeLink = 'identity-city' | 'services' | 'audit' | 'transit-department' | 'gates' | 'wallet' | LiveView;

/** Who is asking: their roles and scope, as their ID token states them. */
export type Operator = Pick<SignedIn, 'roles' | 'scope'>;

const hasRole = (operator: Operator, roles: readonly OperatorRole[]): boolean =>
  roles.some((role) => operator.roles.includes(role));

/**
 * Whether at least one audit log would answer this operator: identity's (admin, onboarder or support; not
 * department-scoped), transit's (admin or auditor; unscoped or the transit department) or the wallet's (admin or
 * auditor; not department-scoped). Each service's app/operator_scope.ts decides; this only picks the link.
 */
export function mayReadAudit(operator: Operator): boolean {
  const { department } = operator.scope;
  const identity = department === '' && hasRole(operator, ['admin', 'onboarder', 'support']);
  const transit = (department === '' || department === 'transit') && hasRole(operator, ['admin', 'auditor']);
  const wallet = department === '' && hasRole(operator, ['admin', 'auditor']);
  return identity || transit || wallet;
}

export function offersLink(operator: Operator, link: HomeLink): boolean {
  const { scope } = operator;
  switch (link) {
    case 'identity-city':
      return scope.merchant === '' && scope.department === '';
    case 'services':
    case 'wallet':
      return scope.department === '';
    case 'audit':
      return mayReadAudit(operator);
    case 'transit-department':
      return scope.merchant === '' && (scope.department === '' || scope.department === 'transit');
    case 'gates':
      return scope.department === '' || scope.department === 'transit';
    case 'city':
    case 'taps':
      return mayWatch(scope, link);
  }
}
