// City services onboarded as OIDC clients: their record, and the client metadata oidc-provider reads.
import type { Queryable } from '@citypass/platform/pg';
import { queryParameters } from './query_parameters.ts';

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

export interface ServiceRow {
  readonly name: string;
  readonly displayName: string;
  readonly contactEmail: string;
  readonly scopes: readonly string[];
  readonly authMethod: string;
  readonly createdAt: Date;
}

export interface ServicePageFilter {
  /** The start of the name (names are lowercase). */
  readonly namePrefix?: string;
  /** The page starts after this name (the last of the previous page). */
  readonly afterName?: string;
  readonly limit: number;
}

/** The page's SELECT, one range scan of services_by_name (migration 4); exposed so a test can EXPLAIN it. */
export function servicePageQuery(filter: ServicePageFilter): { text: string; values: unknown[] } {
  const { values, add: parameter } = queryParameters();
  const where: string[] = [];
  if (filter.namePrefix !== undefined && filter.namePrefix !== '')
    where.push(`starts_with(name COLLATE "C", ${parameter(filter.namePrefix)})`);
  if (filter.afterName !== undefined) where.push(`name COLLATE "C" > ${parameter(filter.afterName)}`);
  const text = `SELECT name, display_name, contact_email, scopes, auth_method, created_at FROM services
     ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
     ORDER BY name COLLATE "C" LIMIT ${parameter(filter.limit)}`;
  return { text, values };
}

export async function listServicePage(db: Queryable, filter: ServicePageFilter): Promise<ServiceRow[]> {
  const { rows } = await db.query<{
    name: string;
    display_name: string;
    contact_email: string;
    scopes: string[];
    auth_method: string;
    created_at: Date;
  }>(servicePageQuery(filter));
  return rows.map((row) => ({
    name: row.name,
    displayName: row.display_name,
    contactEmail: row.contact_email,
    scopes: row.scopes,
    authMethod: row.auth_method,
    createdAt: row.created_at,
  }));
}
