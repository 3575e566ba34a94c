// The medical-data audit log: who read whose medical data, what, and why (migrations/2-medical-audit.sql; the table
// refuses UPDATE, DELETE and TRUNCATE). `recordRead` runs in the read's own transaction, so a read whose entry
// cannot be written fails with it. Entries hold identifiers and closed words only, never medical details.
import assert from 'node:assert/strict';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { isUuid } from '@citypass/platform/ids';
import type { PoolClient, Queryable } from '@citypass/platform/pg';

export const medicalAuditActions = [
  'bill.read',
  'encounter.read',
  'eob.read',
  'fhir.export',
  'preauthorization.read',
] as const;
export type MedicalAuditAction = (typeof medicalAuditActions)[number];

/** Why the data was read (HIPAA's treatment, payment and operations, and the patient's own access). */
export const accessPurposes = ['treatment', 'payment', 'patient_access', 'operations'] as const;
export type AccessPurpose = (typeof accessPurposes)[number];

/** `clinic:<client>`, `resident:<resident id>`, `insurer:<client>`, `operator:<client>`. */
export type MedicalAuditActor = `${'clinic' | 'resident' | 'insurer' | 'operator'}:${string}`;

export interface MedicalReadEntry {
  readonly actor: MedicalAuditActor;
  readonly action: MedicalAuditAction;
  /** The patient's resident id. */
  readonly subject: string;
  /** The bill, encounter or export read. */
  readonly resource: string;
  readonly purpose: AccessPurpose;
  /** Defaults to the active span's trace id, if there is one. */
  readonly traceId?: string;
}

export interface MedicalAuditRecord extends Omit<MedicalReadEntry, 'traceId'> {
  readonly id: bigint;
  readonly occurredAt: Date;
  readonly traceId: string | undefined;
}

/**
 * Records a read, on the client of the transaction that reads (not the pool): if the entry cannot be written the
 * transaction fails, and the data read is not returned.
 */
export async function recordRead(transaction: PoolClient, entry: MedicalReadEntry): Promise<void> {
  await transaction.query(
    `INSERT INTO medical_audit (actor, action, subject, resource, purpose, trace_id) VALUES ($1, $2, $3, $4, $5, $6)`,
    [entry.actor, entry.action, entry.subject, entry.resource, entry.purpose, entry.traceId ?? activeTraceId() ?? null],
  );
}

function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context !== undefined && isSpanContextValid(context) ? context.traceId : undefined;
}

export interface MedicalAuditFilter {
  /** Only reads of this patient's data. */
  readonly subject?: string;
  readonly actor?: MedicalAuditActor;
  /** Only reads at or after this time. */
  readonly since?: Date;
}

export const maxAuditPageSize = 200;

export interface AuditPage {
  /** 1 to `maxAuditPageSize`: the caller checks a client's page size, with its own reason, before this. */
  readonly size: number;
  /** '' for the first page, else a `nextPageToken` this module returned (check it with `isAuditPageToken`). */
  readonly token: string;
}

export interface AuditPageResult {
  readonly entries: MedicalAuditRecord[];
  /** '' when this is the last page. */
  readonly nextPageToken: string;
}

/** Newest first, paged by (occurred_at, id): pages stay stable while new entries arrive. */
export async function listAudit(db: Queryable, filter: MedicalAuditFilter, page: AuditPage): Promise<AuditPageResult> {
  assert.ok(Number.isInteger(page.size) && page.size >= 1 && page.size <= maxAuditPageSize, 'audit page size');
  assert.ok(filter.subject === undefined || isUuid(filter.subject), 'an audit subject is a resident id');
  const after = decodePageToken(page.token);
  const result = await db.query<AuditRow>(
    `SELECT id, occurred_at, ${positionSql} AS position, actor, action, subject, resource, purpose, trace_id
       FROM medical_audit
      WHERE ($1::uuid IS NULL OR subject = $1)
        AND ($2::text IS NULL OR actor = $2)
        AND ($3::timestamptz IS NULL OR occurred_at >= $3)
        AND ($4::timestamptz IS NULL OR (occurred_at, id) < ($4, $5::bigint))
      ORDER BY occurred_at DESC, id DESC
      LIMIT $6 + 1`,
    [
      filter.subject ?? null,
      filter.actor ?? null,
      filter.since ?? null,
      after?.position ?? null,
      after?.id ?? null,
      page.size,
    ],
  );
  const rows = result.rows.slice(0, page.size); // one more was read to learn whether another page follows
  const last = rows.at(-1);
  return {
    entries: rows.map(toRecord),
    nextPageToken: result.rows.length > page.size && last !== undefined ? encodePageToken(last) : '',
  };
}

interface AuditRow {
  id: string;
  occurred_at: Date;
  position: string;
  actor: string;
  action: string;
  subject: string;
  resource: string;
  purpose: string;
  trace_id: string | null;
}

function toRecord(row: AuditRow): MedicalAuditRecord {
  assert.ok(isIn(medicalAuditActions, row.action), 'medical_audit.action is a known action');
  assert.ok(isIn(accessPurposes, row.purpose), 'medical_audit.purpose is a known purpose');
  return {
    id: BigInt(row.id),
    occurredAt: row.occurred_at,
    actor: row.actor as MedicalAuditActor, // the table's CHECK holds it to the actor forms
    action: row.action,
    subject: row.subject,
    resource: row.resource,
    purpose: row.purpose,
    traceId: row.trace_id ?? undefined,
  };
}

function isIn<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

// ------------------------------------------------------------------------------------------------ page tokens

// The position is occurred_at to the microsecond (a JavaScript Date keeps milliseconds only: entries of the same
// millisecond would be skipped or repeated across pages), as UTC text that PostgreSQL reads back exactly.
const positionSql = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const tokenPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([1-9]\d{0,18})$/;

function encodePageToken(row: AuditRow): string {
  return Buffer.from(`${row.position}|${row.id}`).toString('base64url');
}

function decodePageToken(token: string): { position: string; id: string } | undefined {
  if (token === '') return undefined;
  const cursor = parsePageToken(token);
  assert.ok(cursor !== undefined, 'an audit page token from this module');
  return cursor;
}

/** Whether `token` is one `listAudit` could have returned ('' included): for the caller to refuse others. */
export function isAuditPageToken(token: string): boolean {
  return token === '' || parsePageToken(token) !== undefined;
}

function parsePageToken(token: string): { position: string; id: string } | undefined {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(token)) return undefined;
  const [, position, id] = tokenPattern.exec(Buffer.from(token, 'base64url').toString('latin1')) ?? [];
  if (position === undefined || id === undefined || BigInt(id) >= 2n ** 63n) return undefined;
  // A real instant: the date round-trips (2024-02-30 would come back as March 1st).
  const parsed = Date.parse(position);
  if (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 23) !== position.slice(0, 23)) return undefined;
  return { position, id };
}
