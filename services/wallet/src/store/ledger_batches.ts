// The hot writes (authorize, capture, void, charge) under group commit: concurrent calls of one kind go to the
// database together, as one call of `wallet_<kind>_many` (store/ledger/<kind>_many.sql): one statement, one
// transaction, one commit for the batch, each item in a subtransaction of its own, so one refused item (no funds,
// a reused key) is refused alone. Its idempotency and outbox rows ride in the same commit as its ledger rows.
// Callers serialize each resident's writes before they get here (the wallet's per-account queue), so a batch never
// holds two writes of one account from this process. A write whose caller's deadline passed while it waited for
// its batch is dropped before the statement (platform group_commit.ts): nothing written, its key free for a retry.
import { GroupCommit, type ItemOutcome } from '@citypass/platform/group_commit';
import {
  abortBackoff,
  arrayLiteral,
  isRetryableAbort,
  maxAbortAttempts,
  retryingAborts,
  type Queryable,
} from '@citypass/platform/pg';
import type { OneStatementWrites } from '../app/store.ts';
import { callLedger, oneStatementArgs, type LedgerArgs, type LedgerFunction, type SqlValue } from './ledger_calls.ts';
import { asLedgerError } from './ledger_errors.ts';

export interface BatchOptions {
  /** The most items in one transaction: 1 to 64 (each is a subtransaction; PostgreSQL caches 64 per transaction). */
  readonly maxBatch: number;
  /** Each batch's size and kind as it leaves (the batch size histogram). */
  readonly onBatch?: (size: number, kind: keyof OneStatementWrites) => void;
  /** Items PostgreSQL aborted to break a deadlock or a serialization conflict, sent again (the aborts counter). */
  readonly onAbort?: (items: number, kind: keyof OneStatementWrites) => void;
  /** Items dropped, their caller's deadline passed, as a batch was formed (never once in a statement). */
  readonly onExpired?: (items: number, kind: keyof OneStatementWrites) => void;
}

export const maxItemsPerBatch = 64;

/**
 * The kinds of hot write batched (authorize, capture, void, charge), each with at most one batch in flight: so a
 * pool of this many connections of their own never makes a batch wait for one. On few connections of their own the
 * batches keep running where `wallet_<kind>_many` is compiled and its statements' plans are cached (both are per
 * backend): spread over the wallet's main pool, whose reads open up to its 32 connections under load, each batch
 * landed on a backend that had planned its statements a few times at most, and PostgreSQL spent more CPU planning
 * the items than running them.
 */
export const batchedKinds = 4;

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
      commit: (items) => commitMany(db, fn, items, (aborted) => options.onAbort?.(aborted, kind)),
      onBatch: (size) => options.onBatch?.(size, kind),
      onExpired: (dropped) => options.onExpired?.(dropped, kind),
      spanName: `wallet ledger batch ${kind}`,
    });
  const authorize = batcher('authorize', 'wallet_authorize_many');
  const capture = batcher('capture', 'wallet_capture_many');
  const release = batcher('void', 'wallet_void_many');
  const charge = batcher('charge', 'wallet_charge_many');
  return {
    authorize: (call, hold) => authorize.submit(oneStatementArgs.authorize(call, hold), call.deadlineMs),
    capture: (call, held) => capture.submit(oneStatementArgs.capture(call, held), call.deadlineMs),
    void: (call, held) => release.submit(oneStatementArgs.void(call, held), call.deadlineMs),
    charge: (call, charged) => charge.submit(oneStatementArgs.charge(call, charged), call.deadlineMs),
  };
}

/**
 * One call of `fn` with each argument as an array (the items' values in order); one outcome per item. An item
 * PostgreSQL aborted to break a deadlock (two instances' batches locking the same accounts in other orders) rolled
 * back alone and kept nothing, so it is sent again, with the others so aborted, until it commits or has been tried
 * as often as any aborted transaction is (platform pg.ts): a deadlock is the database's, never the caller's error.
 */
async function commitMany(
  db: Queryable,
  fn: LedgerFunction,
  items: readonly LedgerArgs[],
  onAbort: (items: number) => void,
): Promise<ItemOutcome<Buffer>[]> {
  const outcomes: ItemOutcome<Buffer>[] = [];
  let pending = items.map((_, index) => index);
  for (let attempt = 1; pending.length > 0; attempt++) {
    const rows = await retryingAborts((attempt) => {
      if (attempt > 1) onAbort(pending.length);
      return callMany(
        db,
        fn,
        pending.map((index) => items[index] as LedgerArgs),
      );
    });
    const aborted: number[] = [];
    rows.forEach((row, position) => {
      const index = pending[position] as number;
      if (attempt < maxAbortAttempts && isRetryableAbort(row.error_state)) aborted.push(index);
      else outcomes[index] = outcomeOf(row);
    });
    pending = aborted;
    if (pending.length > 0) {
      onAbort(pending.length);
      await abortBackoff(attempt);
    }
  }
  return outcomes;
}

/**
 * The JSON texts a batch sends as JSON lines, one text each (the risk decision's reasons and event, by the name the
 * `*_many` functions take it under): neither as json[], whose array literal escapes every quote of every element,
 * nor as one JSON array, which PostgreSQL parses twice (record_risk_decisions.sql).
 */
const jsonLines: Readonly<Record<string, `p_${string}`>> = {
  p_decision_reasons: 'p_decision_reasons_lines',
  p_decision_event: 'p_decision_event_lines',
};

async function callMany(db: Queryable, fn: LedgerFunction, items: readonly LedgerArgs[]): Promise<ManyRow[]> {
  const first = items[0];
  if (first === undefined) return [];
  // Each argument as its array's literal text (platform arrayLiteral: what pg would write, in one pass).
  const columns: Record<`p_${string}`, SqlValue> = {};
  for (const name of Object.keys(first) as `p_${string}`[]) {
    const values = items.map((item) => item[name] ?? null);
    const lines = jsonLines[name];
    if (lines === undefined) columns[name] = arrayLiteral(values);
    else columns[lines] = jsonLinesOf(values);
  }
  return callLedger<ManyRow>(db, fn, 'response, error_state, error_message, error_constraint', columns);
}

/**
 * JSON texts (or none: null) as lines, in order, an empty line for none; null when every item has none (scoring
 * off). A JSON text is one line as JSON.stringify writes it; one with a line break is refused, not split.
 */
export function jsonLinesOf(texts: readonly SqlValue[]): string | null {
  if (texts.every((text) => text === null)) return null;
  const lines = new Array<string>(texts.length);
  for (let index = 0; index < texts.length; index += 1) {
    const text = texts[index] ?? null;
    if (text === null) lines[index] = '';
    else if (typeof text !== 'string' || text === '' || text.includes('\n'))
      throw new TypeError('a JSON line is a JSON text without a line break');
    else lines[index] = text;
  }
  return lines.join('\n');
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
