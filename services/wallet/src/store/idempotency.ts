// The wallet's idempotency records: one claim for every write (wallet_claim, store/ledger/claim.sql, also called
// by the one-statement functions), each with its request's digest (app/request_digest.ts).
import type { Queryable } from '@citypass/platform/pg';
import type { IdempotencyKey, IdempotencyReads } from '../app/store.ts';
import { callLedger } from './ledger_calls.ts';

/** Undefined: the key is new and now claimed by this transaction (its response recorded later). */
export async function claim(db: Queryable, key: IdempotencyKey): Promise<Buffer | undefined> {
  const rows = await callLedger<{ response: Buffer | null }>(db, 'wallet_claim', 'result AS response', {
    p_operation: key.operation,
    p_key: key.key,
    p_request_hash: key.requestDigest,
    p_response: Buffer.alloc(0),
  });
  return rows[0]?.response ?? undefined;
}

export async function record(db: Queryable, key: IdempotencyKey, response: Uint8Array): Promise<void> {
  await db.query('UPDATE idempotency_keys SET response = $3 WHERE operation = $1 AND key = $2', [
    key.operation,
    key.key,
    Buffer.from(response),
  ]);
}

export function idempotencyReads(db: Queryable): IdempotencyReads {
  return {
    async storedResponse(key) {
      const result = await db.query<{ request_hash: Buffer; response: Buffer }>(
        'SELECT request_hash, response FROM idempotency_keys WHERE operation = $1 AND key = $2',
        [key.operation, key.key],
      );
      const row = result.rows[0];
      return row !== undefined && row.request_hash.equals(key.requestDigest) ? row.response : undefined;
    },
  };
}
