// A service's audit log of operator actions (table operator_audit, append-only; transit's migration 9, the wallet's
// 11): who acted, what, on which target, the target before and after, and why. The one home of its row shapes, its
// SQL, its filters and its keyset pages; each service names its own actions and reasons. A row is appended in the
// transaction of the action it records, so a failed action leaves none.
import { createHash } from 'node:crypto';
import { OperatorAuditEvent } from '@citypass/proto/common/v1/audit';
import { invalidArgument } from './errors.ts';
import type { Principal } from './grpc.ts';
import { keyedPageTokens } from './page_token.ts';
import type { Queryable } from './pg.ts';

/** What an operator did, as the audit log keeps it. */
export interface OperatorAuditRecord {
  readonly actor: string;
  /** <aggregate>.<verb in the past tense>. */
  readonly action: string;
  readonly target: string;
  /** The merchant the action is about, '' for none: what a merchant-scoped operator may read. */
  readonly merchant: string;
  readonly before: Readonly<Record<string, unknown>>;
  readonly after: Readonly<Record<string, unknown>>;
  readonly reason: string;
}

export interface OperatorAuditRow extends OperatorAuditRecord {
  readonly id: bigint;
  readonly occurredAt: Date;
}

/** A page of the audit log, newest first; each filter left out matches all. */
export interface OperatorAuditFilter {
  readonly actor?: string;
  readonly actionPrefix?: string;
  readonly targetPrefix?: string;
  readonly merchant?: string;
  /** At or after. */
  readonly from?: Date;
  /** Strictly before. */
  readonly before?: Date;
  /** Where the previous page ended: rows with a smaller id. */
  readonly beforeId?: bigint;
  readonly limit: number;
}

export interface OperatorAuditStore {
  /** Written in the caller's transaction: the action and its audit row commit together or not at all. */
  append(record: OperatorAuditRecord): Promise<void>;
  page(filter: OperatorAuditFilter): Promise<OperatorAuditRow[]>;
}

/**
 * Who acted: a person signed in to the console or the CLI is `operator:<username>` (their token's subject, as
 * identity's audit log names them); a client acting as itself (the deployment's `operator`) is `operator:<client>`.
 */
export function actorOf(principal: Principal | undefined): string {
  if (principal?.operator !== undefined && principal.subject !== '') return principal.subject;
  return `operator:${principal?.clientId ?? 'unknown'}`;
}

interface AuditRowShape {
  id: string;
  occurred_at: Date;
  actor: string;
  action: string;
  target: string;
  merchant: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  reason: string;
}

/**
 * The SQL of one page (exported for the EXPLAIN test): a backward range scan of the primary key, or of
 * operator_audit_merchant / operator_audit_actor when the page is narrowed to one merchant or actor; no sort.
 */
export function auditPageQuery(filter: OperatorAuditFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (filter.merchant !== undefined) where.push(`merchant = ${parameter(filter.merchant)}`);
  if (filter.actor !== undefined) where.push(`actor = ${parameter(filter.actor)}`);
  if (filter.actionPrefix !== undefined) where.push(`starts_with(action, ${parameter(filter.actionPrefix)})`);
  if (filter.targetPrefix !== undefined) where.push(`starts_with(target, ${parameter(filter.targetPrefix)})`);
  if (filter.from !== undefined) where.push(`occurred_at >= ${parameter(filter.from)}`);
  if (filter.before !== undefined) where.push(`occurred_at < ${parameter(filter.before)}`);
  if (filter.beforeId !== undefined) where.push(`id < ${parameter(filter.beforeId.toString())}`);
  // Ordered by the column the narrowing index leads with too, so the planner walks that index without a sort.
  const order = filter.merchant !== undefined ? 'merchant DESC, ' : filter.actor !== undefined ? 'actor DESC, ' : '';
  const text = `SELECT id, occurred_at, actor, action, target, merchant, before, after, reason FROM operator_audit
     ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
     ORDER BY ${order}id DESC LIMIT ${parameter(filter.limit)}`;
  return { text, values };
}

/** `db`: the pool for pages; the action's own transaction client for append. */
export function postgresOperatorAuditStore(db: Queryable): OperatorAuditStore {
  return {
    async append(record) {
      await db.query(
        `INSERT INTO operator_audit (actor, action, target, merchant, before, after, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [record.actor, record.action, record.target, record.merchant, record.before, record.after, record.reason],
      );
    },
    async page(filter) {
      const { rows } = await db.query<AuditRowShape>(auditPageQuery(filter));
      return rows.map((row) => ({
        id: BigInt(row.id),
        occurredAt: row.occurred_at,
        actor: row.actor,
        action: row.action,
        target: row.target,
        merchant: row.merchant,
        before: row.before,
        after: row.after,
        reason: row.reason,
      }));
    },
  };
}

/** ListAuditEventsRequest as every service that keeps this log declares it (transit.proto, wallet.proto). */
export interface AuditEventsQuery {
  readonly actor: string;
  readonly actionPrefix: string;
  readonly targetPrefix: string;
  readonly occurredFrom?: Date | undefined;
  readonly occurredBefore?: Date | undefined;
  readonly pageSize: number;
  readonly pageToken: string;
}

export interface AuditEventsPage {
  events: OperatorAuditEvent[];
  nextPageToken: string;
}

/** What differs between services: their actions and their reasons (each service's own numbers). */
export interface AuditLogOf {
  readonly actions: readonly string[];
  readonly reasons: {
    readonly filterInvalid: string;
    readonly timeRangeInvalid: string;
    readonly pageSizeInvalid: string;
    readonly pageTokenInvalid: string;
  };
}

export const maxAuditPageSize = 500;
const defaultAuditPageSize = 100;
const maxFilterLength = 128;

/**
 * One page of the log, newest first, filtered by actor, action and target prefix and a time range (the token
 * carries the last id served, bound to its filters). `merchant`: '' for every row, else only that merchant's rows.
 */
export async function listOperatorAudit(
  store: OperatorAuditStore,
  log: AuditLogOf,
  merchant: string,
  request: AuditEventsQuery,
): Promise<AuditEventsPage> {
  const { reasons } = log;
  if (request.pageSize > maxAuditPageSize)
    throw invalidArgument(reasons.pageSizeInvalid, `page_size must be at most ${maxAuditPageSize}`);
  const limit = request.pageSize === 0 ? defaultAuditPageSize : request.pageSize;
  const text = (value: string, field: string): string | undefined => {
    if (value.length > maxFilterLength || value.includes('\u0000'))
      throw invalidArgument(
        reasons.filterInvalid,
        `${field} must be at most ${maxFilterLength} characters, without NUL`,
      );
    return value === '' ? undefined : value;
  };
  const actor = text(request.actor, 'actor');
  const actionPrefix = text(request.actionPrefix, 'action_prefix');
  const targetPrefix = text(request.targetPrefix, 'target_prefix');
  const { occurredFrom: from, occurredBefore: before } = request;
  if (from !== undefined && before !== undefined && from.getTime() >= before.getTime())
    throw invalidArgument(reasons.timeRangeInvalid, 'occurred_from must be before occurred_before');
  const tokens = keyedPageTokens(reasons.pageTokenInvalid);
  const kind = tokenKind(request, merchant);
  const afterKey = tokens.keyOfPageToken(kind, request.pageToken, /^[1-9]\d{0,18}$/);
  // No action of the service starts so: nothing to read (and no scan of the whole log for rows that cannot be there).
  if (actionPrefix !== undefined && !log.actions.some((action) => action.startsWith(actionPrefix)))
    return { events: [], nextPageToken: '' };
  const rows = await store.page({
    limit,
    ...(merchant === '' ? {} : { merchant }),
    ...(actor === undefined ? {} : { actor }),
    ...(actionPrefix === undefined ? {} : { actionPrefix }),
    ...(targetPrefix === undefined ? {} : { targetPrefix }),
    ...(from === undefined ? {} : { from }),
    ...(before === undefined ? {} : { before }),
    ...(afterKey === undefined ? {} : { beforeId: BigInt(afterKey) }),
  });
  const last = rows.at(-1);
  return {
    events: rows.map(eventOf),
    nextPageToken: rows.length === limit && last !== undefined ? tokens.pageTokenOf(kind, last.id.toString()) : '',
  };
}

/** The token's kind names its filters, so a token is refused on a page with other filters. */
function tokenKind(request: AuditEventsQuery, merchant: string): string {
  const filters = [
    merchant,
    request.actor,
    request.actionPrefix,
    request.targetPrefix,
    request.occurredFrom?.toISOString() ?? '',
    request.occurredBefore?.toISOString() ?? '',
  ];
  return `audit.${createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16)}`;
}

function eventOf(row: OperatorAuditRow): OperatorAuditEvent {
  return OperatorAuditEvent.fromPartial({
    id: row.id.toString(),
    occurredAt: row.occurredAt,
    actor: row.actor,
    action: row.action,
    target: row.target,
    beforeJson: JSON.stringify(row.before),
    afterJson: JSON.stringify(row.after),
    reason: row.reason,
  });
}
