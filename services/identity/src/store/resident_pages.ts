// Pages of residents for operators, keyset paged by (sort name, id): one range scan of residents_by_name per page,
// the prefix search included (migration 4). The sort name is the family name, a space and the given name,
// lowercased, compared byte by byte (collation C), which is what lets starts_with use the index.
import type { Queryable } from '@citypass/platform/pg';
import { queryParameters } from './query_parameters.ts';

export interface ResidentListRow {
  readonly id: string;
  readonly givenName: string;
  readonly familyName: string;
  /** YYYY-MM-DD */
  readonly birthDate: string;
  readonly concession: string;
  readonly coveragePlanRef: string;
  readonly createdAt: Date;
  readonly enrolled: boolean;
}

export interface ResidentPageFilter {
  /** Exactly this resident (a UUID). */
  readonly residentId?: string;
  /** The start of the sort name; lowercased here as the index is. */
  readonly namePrefix?: string;
  /** The page starts after this resident (the last of the previous page). */
  readonly afterId?: string;
  readonly limit: number;
}

const sortNameOf = (alias: string): string => `(lower(${alias}.family_name || ' ' || ${alias}.given_name) COLLATE "C")`;
const sortName = sortNameOf('r');

/** The page's SELECT, exposed so a test can EXPLAIN it. */
export function residentPageQuery(filter: ResidentPageFilter): { text: string; values: unknown[] } {
  const { values, add: parameter } = queryParameters();
  const where: string[] = [];
  if (filter.residentId !== undefined) where.push(`r.id = ${parameter(filter.residentId)}::uuid`);
  if (filter.namePrefix !== undefined && filter.namePrefix !== '')
    where.push(`starts_with(${sortName}, lower(${parameter(filter.namePrefix)}))`);
  if (filter.afterId !== undefined) {
    const after = parameter(filter.afterId);
    where.push(
      `(${sortName}, r.id) > ((SELECT ${sortNameOf('a')} FROM residents a WHERE a.id = ${after}::uuid), ${after}::uuid)`,
    );
  }
  const text = `SELECT r.id, r.given_name, r.family_name, to_char(r.birth_date, 'YYYY-MM-DD') AS birth_date,
       r.concession_class, r.coverage_plan_ref, r.created_at, r.password_hash IS NOT NULL AS enrolled
     FROM residents r ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
     ORDER BY ${sortName}, r.id LIMIT ${parameter(filter.limit)}`;
  return { text, values };
}

export async function listResidentPage(db: Queryable, filter: ResidentPageFilter): Promise<ResidentListRow[]> {
  const { rows } = await db.query<{
    id: string;
    given_name: string;
    family_name: string;
    birth_date: string;
    concession_class: string;
    coverage_plan_ref: string;
    created_at: Date;
    enrolled: boolean;
  }>(residentPageQuery(filter));
  return rows.map((row) => ({
    id: row.id,
    givenName: row.given_name,
    familyName: row.family_name,
    birthDate: row.birth_date,
    concession: row.concession_class,
    coveragePlanRef: row.coverage_plan_ref,
    createdAt: row.created_at,
    enrolled: row.enrolled,
  }));
}
