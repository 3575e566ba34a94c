// City services onboarded as OIDC clients: their record, and the client metadata oidc-provider reads. A suspended
// service's metadata is kept under the model SuspendedClient, where oidc-provider never looks (migration 5).
import type { AdapterPayload } from 'oidc-provider';
import type { Queryable } from '@citypass/platform/pg';
import { queryParameters } from './query_parameters.ts';

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
  readonly contactEmail: string;
  readonly scopes: readonly string[];
  readonly authMethod: string;
  readonly createdAt: Date;
  readonly suspendedAt: Date | null;
  readonly suspensionReason: string | null;
  readonly secretVersion: number;
  readonly secretRotatedAt: Date | null;
}

interface Row {
  name: string;
  display_name: string;
  contact_email: string;
  scopes: string[];
  auth_method: string;
  created_at: Date;
  suspended_at: Date | null;
  suspension_reason: string | null;
  secret_version: number;
  secret_rotated_at: Date | null;
}

const columns =
  'name, display_name, contact_email, scopes, auth_method, created_at, suspended_at, suspension_reason, secret_version, secret_rotated_at';

const toService = (row: Row): ServiceRow => ({
  name: row.name,
  displayName: row.display_name,
  contactEmail: row.contact_email,
  scopes: row.scopes,
  authMethod: row.auth_method,
  createdAt: row.created_at,
  suspendedAt: row.suspended_at,
  suspensionReason: row.suspension_reason,
  secretVersion: row.secret_version,
  secretRotatedAt: row.secret_rotated_at,
});

export interface ServicePageFilter {
  /** The start of the name (names are lowercase). */
  readonly namePrefix?: string;
  /** The page starts after this name (the last of the previous page). */
  readonly afterName?: string;
  /** Only the service of this name (a merchant-scoped operator's own). */
  readonly onlyName?: string;
  readonly limit: number;
}

/** The page's SELECT, one range scan of services_by_name (migration 4); exposed so a test can EXPLAIN it. */
export function servicePageQuery(filter: ServicePageFilter): { text: string; values: unknown[] } {
  const { values, add: parameter } = queryParameters();
  const where: string[] = [];
  if (filter.namePrefix !== undefined && filter.namePrefix !== '')
    where.push(`starts_with(name COLLATE "C", ${parameter(filter.namePrefix)})`);
  if (filter.afterName !== undefined) where.push(`name COLLATE "C" > ${parameter(filter.afterName)}`);
  if (filter.onlyName !== undefined) where.push(`name = ${parameter(filter.onlyName)}`);
  const text = `SELECT ${columns} FROM services
     ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
     ORDER BY name COLLATE "C" LIMIT ${parameter(filter.limit)}`;
  return { text, values };
}

export async function listServicePage(db: Queryable, filter: ServicePageFilter): Promise<ServiceRow[]> {
  const { rows } = await db.query<Row>(servicePageQuery(filter));
  return rows.map(toService);
}

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
