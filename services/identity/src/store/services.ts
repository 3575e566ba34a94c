// City services onboarded as OIDC clients: their record, and the client metadata oidc-provider reads.
import type { Queryable } from '@citypass/platform/pg';

export async function insertService(
  db: Queryable,
  service: { name: string; displayName: string; contactEmail: string; scopes: readonly string[]; authMethod: string },
): Promise<void> {
  await db.query(
    'INSERT INTO services (name, display_name, contact_email, scopes, auth_method) VALUES ($1, $2, $3, $4, $5)',
    [service.name, service.displayName, service.contactEmail, service.scopes, service.authMethod],
  );
}

/** Stores an oidc-provider payload row (the client's metadata) in the same transaction as the service. */
export async function insertOidcPayload(
  db: Queryable,
  row: { model: string; id: string; payload: unknown },
): Promise<void> {
  await db.query('INSERT INTO oidc_payloads (model, id, payload) VALUES ($1, $2, $3)', [
    row.model,
    row.id,
    row.payload,
  ]);
}
