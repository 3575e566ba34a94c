// City services onboarded as OIDC clients: their record, and the client metadata oidc-provider reads. A suspended
// service's metadata is kept under the model SuspendedClient, where oidc-provider never looks (migration 5).
import type { AdapterPayload } from 'oidc-provider';
import type { Queryable } from '@citypass/platform/pg';

const clientModel = 'Client';
const suspendedClientModel = 'SuspendedClient';

export async function insertService(
  db: Queryable,
  service: { name: string; displayName: string; contactEmail: string; scopes: readonly string[]; authMethod: string },
): Promise<void> {
  await db.query(
    `INSERT INTO services (name, display_name, contact_email, scopes, auth_method, secret_version)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'client_secret_basic' THEN 1 ELSE 0 END)`,
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

export interface ServiceRow {
  readonly name: string;
  readonly displayName: string;
  readonly scopes: readonly string[];
  readonly authMethod: string;
  readonly suspendedAt: Date | null;
  readonly suspensionReason: string | null;
  readonly secretVersion: number;
  readonly secretRotatedAt: Date | null;
}

interface Row {
  name: string;
  display_name: string;
  scopes: string[];
  auth_method: string;
  suspended_at: Date | null;
  suspension_reason: string | null;
  secret_version: number;
  secret_rotated_at: Date | null;
}

const columns =
  'name, display_name, scopes, auth_method, suspended_at, suspension_reason, secret_version, secret_rotated_at';

const toService = (row: Row): ServiceRow => ({
  name: row.name,
  displayName: row.display_name,
  scopes: row.scopes,
  authMethod: row.auth_method,
  suspendedAt: row.suspended_at,
  suspensionReason: row.suspension_reason,
  secretVersion: row.secret_version,
  secretRotatedAt: row.secret_rotated_at,
});

/** `forUpdate`: locks the row until the transaction ends, so changes to one service happen one at a time. */
export async function findService(
  db: Queryable,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<ServiceRow | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM services WHERE name = $1${options.forUpdate === true ? ' FOR UPDATE' : ''}`,
    [name],
  );
  return rows[0] === undefined ? undefined : toService(rows[0]);
}

/** Marks the service suspended and hides its client from oidc-provider. */
export async function suspendServiceRow(
  db: Queryable,
  name: string,
  suspension: { at: Date; reason: string },
): Promise<ServiceRow> {
  const { rows } = await db.query<Row>(
    `UPDATE services SET suspended_at = $2, suspension_reason = $3 WHERE name = $1 RETURNING ${columns}`,
    [name, suspension.at, suspension.reason],
  );
  await moveClient(db, name, clientModel, suspendedClientModel);
  return toService(rows[0] as Row);
}

/** Clears the suspension and gives the client back to oidc-provider. */
export async function resumeServiceRow(db: Queryable, name: string): Promise<ServiceRow> {
  const { rows } = await db.query<Row>(
    `UPDATE services SET suspended_at = NULL, suspension_reason = NULL WHERE name = $1 RETURNING ${columns}`,
    [name],
  );
  await moveClient(db, name, suspendedClientModel, clientModel);
  return toService(rows[0] as Row);
}

async function moveClient(db: Queryable, name: string, from: string, to: string): Promise<void> {
  await db.query('UPDATE oidc_payloads SET model = $3 WHERE model = $2 AND id = $1', [name, from, to]);
}

/** The client's stored metadata (secret still sealed), suspended or not. */
export async function findClientPayload(db: Queryable, name: string): Promise<AdapterPayload | undefined> {
  const { rows } = await db.query<{ payload: AdapterPayload }>(
    'SELECT payload FROM oidc_payloads WHERE id = $1 AND model IN ($2, $3) FOR UPDATE',
    [name, clientModel, suspendedClientModel],
  );
  return rows[0]?.payload;
}

/** Replaces the client's stored metadata (already sealed) and counts the rotation. */
export async function rotateServiceSecretRow(
  db: Queryable,
  name: string,
  rotation: { at: Date; payload: AdapterPayload },
): Promise<ServiceRow> {
  await db.query('UPDATE oidc_payloads SET payload = $2 WHERE id = $1 AND model IN ($3, $4)', [
    name,
    rotation.payload,
    clientModel,
    suspendedClientModel,
  ]);
  const { rows } = await db.query<Row>(
    `UPDATE services SET secret_version = secret_version + 1, secret_rotated_at = $2 WHERE name = $1
     RETURNING ${columns}`,
    [name, rotation.at],
  );
  return toService(rows[0] as Row);
}
