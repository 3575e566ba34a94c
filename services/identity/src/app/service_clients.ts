// Operator commands on an onboarded service's OIDC client: read it, suspend it, resume it. Each change is stored,
// audited (before, after, the operator's reason) and announced (outbox) in one transaction. A suspended client
// gets invalid_client at the token endpoint; the services that verify its tokens offline follow the announcement
// and refuse the tokens it already holds (credential/suspension_follower.ts; identity.proto says so at the RPCs).
import type { ServiceClient } from '@citypass/proto/identity/v1/identity';
import { identityReasons } from '@citypass/contracts';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { withTransaction, type PoolClient, type Queryable } from '@citypass/platform/pg';
import { checkText } from '@citypass/platform/text';
import { serviceResumed, serviceSuspended } from '../bus/identity_events.ts';
import { validateServiceName } from '../domain/service_name.ts';
import { appendAudit } from '../store/audit.ts';
import { findService, resumeServiceRow, suspendServiceRow, type ServiceRow } from '../store/services.ts';
import type { IdentityDeps } from './deps.ts';

export async function getServiceClient(deps: IdentityDeps, clientId: string): Promise<ServiceClient> {
  return serviceClientOf(await existingService(deps.pool, validateServiceName(clientId)));
}

export async function suspendService(
  deps: IdentityDeps,
  actor: string,
  request: { clientId: string; reason: string },
): Promise<ServiceClient> {
  const name = validateServiceName(request.clientId);
  const reason = checkActionReason(request.reason);
  return changeService(deps, name, async (client, before) => {
    if (before.suspendedAt !== null) return before;
    const at = new Date(deps.now());
    const after = await suspendServiceRow(client, name, { at, reason });
    await serviceSuspended(client, { serviceName: name, clientId: name, suspendedAt: at, reason });
    await appendAudit(client, {
      actor,
      action: 'service.suspended',
      subjectId: name,
      details: { before: 'active', after: 'suspended', reason },
    });
    return after;
  });
}

export async function resumeService(
  deps: IdentityDeps,
  actor: string,
  request: { clientId: string; reason: string },
): Promise<ServiceClient> {
  const name = validateServiceName(request.clientId);
  const reason = checkActionReason(request.reason);
  return changeService(deps, name, async (client, before) => {
    if (before.suspendedAt === null) return before;
    const after = await resumeServiceRow(client, name);
    await serviceResumed(client, { serviceName: name, clientId: name, resumedAt: new Date(deps.now()) });
    await appendAudit(client, {
      actor,
      action: 'service.resumed',
      subjectId: name,
      details: { before: 'suspended', after: 'active', reason, suspensionReason: before.suspensionReason ?? '' },
    });
    return after;
  });
}

/** Runs `change` with the service's row locked; NOT_FOUND when there is no such service. */
export async function changeService(
  deps: IdentityDeps,
  name: string,
  change: (client: PoolClient, before: ServiceRow) => Promise<ServiceRow>,
): Promise<ServiceClient> {
  return withTransaction(deps.pool, async (client) => {
    const before = await existingService(client, name, { forUpdate: true });
    return serviceClientOf(await change(client, before));
  });
}

async function existingService(
  db: Queryable,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<ServiceRow> {
  const row = await findService(db, name, options);
  if (row === undefined) throw notFound(identityReasons.SERVICE_NOT_FOUND, `no service "${name}" is onboarded`);
  return row;
}

/** The operator's words on why: 1-200 characters, kept in the audit log. */
export function checkActionReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === '') throw invalidArgument(identityReasons.REASON_REQUIRED, 'a reason is required');
  if (trimmed.length > 200)
    throw invalidArgument(identityReasons.REASON_TOO_LONG, 'reason must be at most 200 characters');
  return checkText(trimmed, 'reason', 200);
}

export function serviceClientOf(row: ServiceRow): ServiceClient {
  return {
    clientId: row.name,
    displayName: row.displayName,
    scopes: [...row.scopes],
    tokenEndpointAuthMethod: row.authMethod,
    status: row.suspendedAt === null ? 'active' : 'suspended',
    suspendedAt: row.suspendedAt ?? undefined,
    suspensionReason: row.suspensionReason ?? '',
    secretVersion: row.secretVersion,
    secretRotatedAt: row.secretRotatedAt ?? undefined,
  };
}
