// What the console shows an operator for their scope (contracts' operator_scope.ts). The services enforce the scope
// from the operator's own tokens and answer lists already narrowed; this file only words the scope, picks the links
// worth offering, and guards the live views, which the console draws itself from city-wide NATS feeds.
//
// Live views: the city now (every merchant's authorizations and declines, every gate's taps) is for unscoped
// operators; the gate taps as they happen are for unscoped and transit-department operators. Any role may watch.
import type { OperatorScope } from '@citypass/contracts';
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
export type HomeLink = 'identity-city' | 'services' | 'transit-department' | 'gates' | 'wallet' | LiveView;

export function offersLink(scope: OperatorScope, link: HomeLink): boolean {
  switch (link) {
    case 'identity-city':
      return scope.merchant === '' && scope.department === '';
    case 'services':
    case 'wallet':
      return scope.department === '';
    case 'transit-department':
      return scope.merchant === '' && (scope.department === '' || scope.department === 'transit');
    case 'gates':
      return scope.department === '' || scope.department === 'transit';
    case 'city':
    case 'taps':
      return mayWatch(scope, link);
  }
}
