// The hot writes (authorize, capture, void, charge) under group commit: concurrent calls of one kind go to the
// database together, as one call of `wallet_<kind>_many` (store/ledger/<kind>_many.sql): one statement, one
// transaction, one commit for the batch, each item in a subtransaction of its own, so one refused item (no funds,
// a reused key) is refused alone. Its idempotency and outbox rows ride in the same commit as its ledger rows.
// Callers serialize each resident's writes before they get here (the wallet's per-account queue), so a batch never
// holds two writes of one account from this process.
import { GroupCommit, type ItemOutcome } from '@citypass/platform/group_commit';
import type { Queryable } from '@citypass/platform/pg';
import type { OneStatementWrites } from '../app/store.ts';
import { callLedger, oneStatementArgs, type LedgerArgs, type LedgerFunction, type SqlValue } from './ledger_calls.ts';
import { asLedgerError } from './ledger_errors.ts';

export interface BatchOptions {
  /** The most items in one transaction: 1 to 64 (each is a subtransaction; PostgreSQL caches 64 per transaction). */
  readonly maxBatch: number;
  /** Each batch's size and kind as it leaves (the batch size histogram). */
  readonly onBatch?: (size: number, kind: keyof OneStatementWrites) => void;
}

export const maxItemsPerBatch = 64;

interface ManyRow {
  response: Buffer | null;
  error_state: string | null;
  error_message: string | null;
  error_constraint: string | null;
}

export function batchedOneStatementWrites(db: Queryable, options: BatchOptions): OneStatementWrites {
  if (options.maxBatch < 1 || options.maxBatch > maxItemsPerBatch)
    throw new RangeError(`maxBatch must be 1 to ${maxItemsPerBatch}`);
  const batcher = (kind: keyof OneStatementWrites, fn: LedgerFunction) =>
    new GroupCommit<LedgerArgs, Buffer>({
      maxBatch: options.maxBatch,
      commit: (items) => commitMany(db, fn, items),
      onBatch: (size) => options.onBatch?.(size, kind),
      spanName: `wallet ledger batch ${kind}`,
    });
  const authorize = batcher('authorize', 'wallet_authorize_many');
  const capture = batcher('capture', 'wallet_capture_many');
  const release = batcher('void', 'wallet_void_many');
  const charge = batcher('charge', 'wallet_charge_many');
  return {
    authorize: (call, hold) => authorize.submit(oneStatementArgs.authorize(call, hold)),
    capture: (call, held) => capture.submit(oneStatementArgs.capture(call, held)),
    void: (call, held) => release.submit(oneStatementArgs.void(call, held)),
    charge: (call, charged) => charge.submit(oneStatementArgs.charge(call, charged)),
  };
}

/** One call of `fn` with each argument as an array (the items' values in order); one outcome per item. */
async function commitMany(
  db: Queryable,
  fn: LedgerFunction,
  items: readonly LedgerArgs[],
): Promise<ItemOutcome<Buffer>[]> {
  const first = items[0];
  if (first === undefined) return [];
  const columns: Record<`p_${string}`, SqlValue[]> = {};
  for (const name of Object.keys(first) as `p_${string}`[]) columns[name] = items.map((item) => item[name] ?? null);
  const rows = await callLedger<ManyRow>(db, fn, 'response, error_state, error_message, error_constraint', columns);
  return rows.map(outcomeOf);
}

function outcomeOf(row: ManyRow): ItemOutcome<Buffer> {
  if (row.error_state === null && row.response !== null) return { ok: true, value: row.response };
  // The error the function would have raised alone, shaped as pg's errors are (code, constraint).
  const error = Object.assign(new Error(row.error_message ?? 'the ledger refused this item'), {
    code: row.error_state ?? 'XX000',
    ...(row.error_constraint ? { constraint: row.error_constraint } : {}),
  });
  return { ok: false, error: asLedgerError(error) };
}
