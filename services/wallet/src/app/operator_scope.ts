// What an operator (`wallet:admin`: admin, finance, auditor) may read in the wallet, and refund, from their token's
// roles and scope (contracts' operator_scope.ts); the one place the wallet decides it. An operator moves money only
// back: a finance or admin operator refunds a captured hold of a service their scope covers (the resident's leg).
//
// A service's merchant account (its balance, holds and settlement report) belongs to the merchant of its name and
// to no department; the city's books (the reconciliation report) belong to no one. So a merchant-scoped operator
// reads their own service's account and only their own service's rows of the declines; a department-scoped one
// reads nothing here (the ledger is not a department's); an unscoped one reads everything.
//
// The risk rule sets are the city's, like its books: unscoped operators read them, and changing them (a candidate,
// a promotion) needs the admin role besides.
import { hasAnyRole, operatorAccessOf, scopeRefusal, walletReasons, type OperatorScope } from '@citypass/contracts';
import { permissionDenied } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';

/** Refuses the operator's read of `service`'s merchant account unless their scope covers it. */
export function checkMerchantRead(principal: Principal | undefined, service: string): void {
  switch (scopeRefusal(operatorAccessOf(principal).scope, { merchant: service })) {
    case undefined:
      return;
    case 'merchant':
      throw permissionDenied(walletReasons.OPERATOR_OTHER_MERCHANT, "this is another merchant's account");
    case 'outside':
      throw permissionDenied(walletReasons.OPERATOR_OUT_OF_SCOPE, "a department's operator reads nothing here");
  }
}

/** Refuses a read of the whole city's books to any scoped operator. */
export function checkCityRead(principal: Principal | undefined): void {
  if (scopeRefusal(operatorAccessOf(principal).scope, {}) !== undefined)
    throw permissionDenied(walletReasons.OPERATOR_OUT_OF_SCOPE, "the city's books are read by unscoped operators");
}

/**
 * For a read over every service (the declines): the one service the operator's rows are narrowed to, '' for all;
 * a department-scoped operator is refused.
 */
export function serviceOfCityList(principal: Principal | undefined): string {
  const scope: OperatorScope = operatorAccessOf(principal).scope;
  if (scope.department !== '')
    throw permissionDenied(walletReasons.OPERATOR_OUT_OF_SCOPE, "a department's operator reads nothing here");
  return scope.merchant;
}

/** Refuses an operator's refund of `service`'s hold unless they hold the finance or admin role and their scope covers it. */
export function checkOperatorRefund(principal: Principal | undefined, service: string): void {
  const access = operatorAccessOf(principal);
  if (!hasAnyRole(access, ['finance', 'admin']))
    throw permissionDenied(walletReasons.OPERATOR_ROLE_MISSING, 'refunds are for finance and admin operators');
  checkMerchantRead(principal, service);
}

/** For the risk rule sets: read by unscoped operators; `change` (put a candidate, promote) needs admin too. */
export function checkRiskRulesAccess(principal: Principal | undefined, change: boolean): void {
  if (change && !hasAnyRole(operatorAccessOf(principal), ['admin']))
    throw permissionDenied(walletReasons.OPERATOR_ROLE_MISSING, 'changing the risk rule sets needs the admin role');
  checkCityRead(principal);
}
