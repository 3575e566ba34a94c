// Reads: a resident's balance and statement, a service's holds and daily settlement.
import assert from 'node:assert/strict';
import type {
  GetBalanceResponse,
  GetSettlementReportResponse,
  Hold,
  ListHoldsResponse,
  ListStatementResponse,
} from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { holdColumns, holdFromRow, type HoldRow } from '../store/rows.ts';
import { isUuid } from '@citypass/platform/ids';
import type { WalletDeps } from './deps.ts';

const maxPageSize = 200;

export async function getBalance(deps: WalletDeps, residentId: string, requested: string): Promise<GetBalanceResponse> {
  const currency = await residentCurrency(deps, residentId, requested);
  const result = await deps.pool.query<{ balance_minor: string; held_minor: string }>(
    "SELECT balance_minor, held_minor FROM accounts WHERE kind = 'resident' AND owner = $1 AND currency = $2",
    [residentId, currency],
  );
  const row = result.rows[0] ?? { balance_minor: '0', held_minor: '0' };
  const balance = BigInt(row.balance_minor);
  return { balance: { amountMinor: balance, currency }, available: { amountMinor: balance - BigInt(row.held_minor), currency } };
}

export async function listStatement(deps: WalletDeps, residentId: string, requested: string, pageSize: number, pageToken: string): Promise<ListStatementResponse> {
  const currency = await residentCurrency(deps, residentId, requested);
  const limit = checkPageSize(pageSize);
  const before = decodeToken(pageToken);
  const result = await deps.pool.query<{
    id: string; kind: string; created_at: Date; amount_minor: string; debit: boolean; counterparty: string; hold_id: string | null; balance_after: string;
  }>(
    `SELECT t.id, t.kind, t.created_at, t.amount_minor, t.debit_account_id = a.id AS debit,
            coalesce(h.service, '') AS counterparty, t.hold_id,
            CASE WHEN t.debit_account_id = a.id THEN t.debit_balance_after_minor ELSE t.credit_balance_after_minor END AS balance_after
     FROM accounts a
     JOIN transfers t ON t.debit_account_id = a.id OR t.credit_account_id = a.id
     LEFT JOIN holds h ON h.id = t.hold_id
     WHERE a.kind = 'resident' AND a.owner = $1 AND a.currency = $2
       AND ($3::timestamptz IS NULL OR (t.created_at, t.id) < ($3, $4::uuid))
     ORDER BY t.created_at DESC, t.id DESC LIMIT $5`,
    [residentId, currency, before?.at ?? null, before?.id ?? null, limit],
  );
  const lines = result.rows.map((row) => ({
    transferId: row.id,
    postedAt: row.created_at,
    kind: row.kind,
    amountMinor: row.debit ? -BigInt(row.amount_minor) : BigInt(row.amount_minor),
    counterparty: row.counterparty,
    holdId: row.hold_id ?? '',
    balanceAfterMinor: BigInt(row.balance_after),
  }));
  const last = result.rows.at(-1);
  return { lines, currency, nextPageToken: last && result.rows.length === limit ? encodeToken(last.created_at, last.id) : '' };
}

export async function getHold(deps: WalletDeps, service: string, holdId: string): Promise<Hold> {
  const result = await deps.pool.query<HoldRow>(`SELECT ${holdColumns} FROM holds WHERE id = $1 AND service = $2`, [checkHoldId(holdId), service]);
  const row = result.rows[0];
  if (row === undefined) throw notFound('HOLD_NOT_FOUND', 'no such hold for this service');
  return holdFromRow(row);
}

export async function listHolds(deps: WalletDeps, service: string, status: string, pageSize: number, pageToken: string): Promise<ListHoldsResponse> {
  if (status !== '' && !['pending', 'captured', 'voided', 'expired'].includes(status)) throw invalidArgument('STATUS_INVALID', 'status must be pending, captured, voided or expired');
  const limit = checkPageSize(pageSize);
  const before = decodeToken(pageToken);
  const result = await deps.pool.query<HoldRow>(
    `SELECT ${holdColumns} FROM holds WHERE service = $1 AND ($2 = '' OR status = $2)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [service, status, before?.at ?? null, before?.id ?? null, limit],
  );
  const last = result.rows.at(-1);
  return { holds: result.rows.map(holdFromRow), nextPageToken: last && result.rows.length === limit ? encodeToken(last.created_at, last.id) : '' };
}

export async function settlementReport(deps: WalletDeps, service: string, date: string, currency: string): Promise<GetSettlementReportResponse> {
  checkCurrency(deps, currency);
  if (!isCalendarDate(date)) throw invalidArgument('DATE_INVALID', 'date must be a real calendar date written YYYY-MM-DD');
  const result = await deps.pool.query<{ kind: string; total: string; count: string }>(
    `SELECT t.kind, coalesce(sum(t.amount_minor), 0) AS total, count(*) AS count
     FROM accounts a JOIN transfers t ON t.credit_account_id = a.id OR t.debit_account_id = a.id
     WHERE a.kind = 'merchant' AND a.owner = $1 AND a.currency = $2 AND t.kind IN ('capture', 'refund')
       AND t.created_at >= $3::date AND t.created_at < $3::date + 1
     GROUP BY t.kind`,
    [service, currency, date],
  );
  const of = (kind: string): { total: bigint; count: number } => {
    const row = result.rows.find((r) => r.kind === kind);
    return { total: BigInt(row?.total ?? 0), count: Number(row?.count ?? 0) };
  };
  const captured = of('capture');
  const refunded = of('refund');
  return {
    service, date, currency,
    capturedMinor: captured.total, refundedMinor: refunded.total, netMinor: captured.total - refunded.total,
    captures: captured.count, refunds: refunded.count,
  };
}

/**
 * The currency of a resident's read. Named: it must be one this wallet runs. Empty: the resident's account, that is
 * their only one, or when they hold several (or none yet) the one in the default currency (the first configured,
 * where every resident's account is opened when their credential is issued).
 */
async function residentCurrency(deps: WalletDeps, residentId: string, requested: string): Promise<string> {
  if (requested !== '') return checkCurrency(deps, requested);
  const result = await deps.pool.query<{ currency: string }>("SELECT currency FROM accounts WHERE kind = 'resident' AND owner = $1 LIMIT 2", [residentId]);
  const only = result.rows.length === 1 ? result.rows[0]?.currency : undefined;
  return only !== undefined && deps.currencies.has(only) ? only : defaultCurrency(deps);
}

function defaultCurrency(deps: WalletDeps): string {
  const [first] = deps.currencies;
  assert.ok(first !== undefined, 'the wallet runs at least one currency');
  return first;
}

// The value is not repeated in the message: it may be anything up to the edge's field limit.
function checkCurrency(deps: WalletDeps, currency: string): string {
  if (!deps.currencies.has(currency)) throw invalidArgument('CURRENCY_UNSUPPORTED', 'currency is not one this wallet runs');
  return currency;
}

function checkPageSize(pageSize: number): number {
  if (pageSize > maxPageSize) throw invalidArgument('PAGE_SIZE_TOO_LARGE', `page_size must be at most ${maxPageSize}`);
  return pageSize === 0 ? 50 : pageSize;
}

function encodeToken(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeToken(token: string): { at: string; id: string } | undefined {
  if (token === '') return undefined;
  const [at, id, ...rest] = Buffer.from(token, 'base64url').toString().split('|');
  // Only what encodeToken writes: an ISO timestamp that round-trips, and a UUID.
  const valid = at !== undefined && id !== undefined && rest.length === 0 && isUuid(id) && !Number.isNaN(Date.parse(at)) && new Date(at).toISOString() === at;
  if (!valid) throw invalidArgument('PAGE_TOKEN_INVALID', 'page_token is not one this service issued');
  return { at, id };
}

export function checkHoldId(holdId: string): string {
  if (!isUuid(holdId)) throw invalidArgument('HOLD_ID_INVALID', 'hold_id must be a UUID');
  return holdId;
}

function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text) && date.getUTCFullYear() >= 2000;
}
