// Operator accounts: a username (never changes: it is the operator's subject) and roles. An operator's OIDC
// account id is `operator:<username>`, which no resident id (a UUID) can be, and which the audit log shows as
// the actor of what they do through the console.
import {
  identityReasons,
  isDepartment,
  isOperatorRole,
  type OperatorRole,
  type OperatorScope,
} from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import { isServiceName } from './service_name.ts';

const usernamePattern = /^[a-z][a-z0-9._-]{1,31}$/;
const accountPrefix = 'operator:';

export function validateOperatorUsername(username: string): string {
  if (!usernamePattern.test(username))
    throw invalidArgument(
      identityReasons.OPERATOR_USERNAME_INVALID,
      'username must be 2-32 characters of [a-z0-9._-], starting with a letter',
    );
  return username;
}

export function validateOperatorRoles(roles: readonly string[]): OperatorRole[] {
  const known = roles.filter(isOperatorRole);
  if (known.length === 0 || known.length !== roles.length || new Set(known).size !== known.length)
    throw invalidArgument(
      identityReasons.OPERATOR_ROLES_INVALID,
      'an operator needs at least one of admin, onboarder, support, finance, auditor, each once',
    );
  return known;
}

/** An operator's scope as given: '' or a service name, '' or a department (contracts' operator_scope.ts). */
export function validateOperatorScope(merchant: string, department: string): OperatorScope {
  if ((merchant !== '' && !isServiceName(merchant)) || !(department === '' || isDepartment(department)))
    throw invalidArgument(
      identityReasons.OPERATOR_SCOPE_INVALID,
      'merchant is empty or a service name; department is empty, transit or health',
    );
  return { merchant, department };
}

export function operatorAccountId(username: string): string {
  return `${accountPrefix}${username}`;
}

/** The username of an operator's account id, or undefined for any other account (a resident). */
export function operatorUsernameOf(accountId: string): string | undefined {
  return accountId.startsWith(accountPrefix) ? accountId.slice(accountPrefix.length) : undefined;
}
