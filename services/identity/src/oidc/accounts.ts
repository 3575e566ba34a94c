// Who oidc-provider may sign in for each client: operators (account id `operator:<username>`) only for the
// console, residents only for every other client, so an operator's session never gets a resident's credential and
// a resident's session never reaches the console. A disabled operator has no account: their refresh tokens stop
// working at the next refresh.
import { operatorClaimNames } from '@citypass/contracts';
import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { IdentityDeps } from '../app/deps.ts';
import { operatorUsernameOf } from '../domain/operator.ts';
import { findOperator, type OperatorRow } from '../store/operators.ts';
import { residentExists } from '../store/residents.ts';
import { isOperatorSignInClient } from './clients.ts';

/** The account object oidc-provider keeps (ctx.oidc.account); operators' carry their roles and scope claims. */
export interface CitypassAccount extends Account {
  readonly roles?: readonly string[];
  /** The operator's roles and, when scoped, merchant and department (contracts' operatorClaimNames). */
  readonly operatorClaims?: Readonly<Record<string, string | readonly string[]>>;
}

/** An operator's claims, in their ID token and their access tokens: roles, and their scope only where scoped. */
export function operatorClaimsOf(operator: OperatorRow): Record<string, string | readonly string[]> {
  return {
    [operatorClaimNames.roles]: [...operator.roles],
    ...(operator.merchant === '' ? {} : { [operatorClaimNames.merchant]: operator.merchant }),
    ...(operator.department === '' ? {} : { [operatorClaimNames.department]: operator.department }),
  };
}

export function accountFinder(deps: IdentityDeps) {
  return async (ctx: KoaContextWithOIDC, id: string): Promise<CitypassAccount | undefined> => {
    const clientId = ctx.oidc.client?.clientId;
    const username = operatorUsernameOf(id);
    if (username === undefined) {
      if (isOperatorSignInClient(clientId)) return undefined;
      return (await residentExists(deps.pool, id)) ? { accountId: id, claims: () => ({ sub: id }) } : undefined;
    }
    if (clientId !== undefined && !isOperatorSignInClient(clientId)) return undefined;
    const operator = await findOperator(deps.pool, username);
    if (operator === undefined || operator.disabled) return undefined;
    const operatorClaims = operatorClaimsOf(operator);
    return {
      accountId: id,
      roles: [...operator.roles],
      operatorClaims,
      claims: () => ({ sub: id, ...operatorClaims }),
    };
  };
}

/** The roles of the account a console request acts for (signed in already, or the token's), else none. */
export async function rolesInContext(ctx: KoaContextWithOIDC, deps: IdentityDeps): Promise<readonly string[]> {
  const account = ctx.oidc.account as CitypassAccount | undefined;
  if (account?.roles !== undefined) return account.roles;
  const accountId = ctx.oidc.session?.accountId;
  const username = accountId === undefined ? undefined : operatorUsernameOf(accountId);
  if (username === undefined) return [];
  const operator = await findOperator(deps.pool, username);
  return operator === undefined || operator.disabled ? [] : operator.roles;
}
