// The admin port's rule, the one place it is decided for every service. A service may serve its gRPC API on a
// second, admin port (WALLET_ADMIN_GRPC_PORT, TRANSIT_ADMIN_GRPC_PORT, HEALTH_BILLING_ADMIN_GRPC_PORT) so that a
// NetworkPolicy can keep operators' calls to the console: then operators are served there only, everyone else
// only on the public port. Without an admin port one port serves everyone (`shared`).
import { permissionDenied } from './errors.ts';
import type { Principal } from './grpc.ts';
import { commonReasons } from './reasons.ts';

/** The port a call came in on: `shared` when the service has no admin port. */
export type Listener = 'shared' | 'public' | 'admin';

/** An operator: a person signed in (console, CLI), or a client holding the service's admin scope (`wallet:admin`). */
export function isOperatorPrincipal(principal: Principal, adminScope: string | undefined): boolean {
  return principal.operator !== undefined || (adminScope !== undefined && principal.scopes.has(adminScope));
}

/** Throws PERMISSION_DENIED when the principal called the wrong port for who it is. */
export function checkListener(listener: Listener, principal: Principal, adminScope: string | undefined): void {
  if (listener === 'shared') return;
  const operator = isOperatorPrincipal(principal, adminScope);
  if (listener === 'public' && operator)
    throw permissionDenied(commonReasons.ADMIN_PORT_REQUIRED, "operators call this service's admin port");
  if (listener === 'admin' && !operator)
    throw permissionDenied(
      commonReasons.ADMIN_PORT_OPERATORS_ONLY,
      'this port serves operators only; call the public port',
    );
}
