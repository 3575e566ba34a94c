// Whose merchant account a service read is about. A service reads its own (its `charge:` or `read:` token); an
// operator, whose `wallet:admin` moves money only back (refunds), names the service it reads (if their scope covers it:
// operator_scope.ts). Nobody reads another service's.
import { operatorScopes, walletReasons } from '@citypass/contracts';
import { invalidArgument, permissionDenied } from '@citypass/platform/errors';
import { commonReasons } from '@citypass/platform/reasons';
import type { ServiceSuspensions } from '@citypass/credential';
import type { Principal } from '@citypass/platform/grpc';
import { callerFor } from './callers.ts';
import type { Caller } from './deps.ts';
import { checkMerchantRead, checkOperatorRefund } from './operator_scope.ts';

/** A service name as identity gives them out (lowercase letters, digits, hyphens). */
const serviceNamePattern = /^[a-z0-9-]{1,64}$/;

export function checkServiceName(service: string): string {
  if (!serviceNamePattern.test(service))
    throw invalidArgument(walletReasons.SERVICE_INVALID, 'service must be a service name (a-z, 0-9, -; 1-64)');
  return service;
}

export function isOperator(principal: Principal | undefined): boolean {
  return principal?.scopes.has(operatorScopes.wallet) === true;
}

/** `requested`: the request's service field; empty is the caller's own account. */
export function accountOwnerFor(
  suspensions: ServiceSuspensions,
  principal: Principal | undefined,
  requested: string,
): string {
  if (requested !== '' && isOperator(principal)) {
    checkMerchantRead(principal, checkServiceName(requested));
    return requested;
  }
  const own = callerFor(suspensions, principal, ['charge', 'read']).service;
  if (requested !== '' && requested !== own)
    throw permissionDenied(
      commonReasons.SCOPE_MISSING,
      `another service's account is read with ${operatorScopes.wallet}`,
    );
  return own;
}

/**
 * Who refunds: a service its own holds (`refund:<service>`, also while suspended: it only gives money back); an
 * operator the holds of the service the request names (operator_scope.ts), the resident's leg only.
 */
export function refunderFor(
  suspensions: ServiceSuspensions,
  principal: Principal | undefined,
  requested: string,
): Caller {
  if (requested === '' || !isOperator(principal)) return callerFor(suspensions, principal, ['refund'], 'gives_back');
  checkOperatorRefund(principal, checkServiceName(requested));
  return { service: requested, verbs: new Set(['refund']) };
}
