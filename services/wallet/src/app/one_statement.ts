// Runs a hot ledger operation as one statement (see migration 3): the idempotency claim with the precomputed
// response, the operation and its outbox row. The relay picks the row up on its next poll: no NOTIFY here, since
// a NOTIFY serializes every committing transaction on a global lock.
import { createHash } from 'node:crypto';
import { outboxRow, type NewEvent } from '@citypass/platform/outbox';
import type { Queryable } from '@citypass/platform/pg';
import { asLedgerError } from './ledger_call.ts';

export interface OneStatement {
  /** `wallet_authorize_once` and friends: (operation, key, hash, response, event id/subject/payload/headers, ...args). */
  readonly fn: 'wallet_authorize_once' | 'wallet_capture_once' | 'wallet_void_once';
  readonly operation: string;
  readonly key: string;
  readonly fingerprint: Uint8Array;
  readonly response: Uint8Array;
  readonly event: NewEvent;
  readonly args: readonly unknown[];
}

/** Returns the response bytes: this call's, or the first call's when the key was used before. */
export async function oneStatement(db: Queryable, call: OneStatement): Promise<Buffer> {
  const event = outboxRow(call.event);
  const params = [call.operation, call.key, requestHash(call.fingerprint), Buffer.from(call.response), event.id, event.subject, event.payload, event.headers, ...call.args];
  const placeholders = params.map((_, index) => `$${index + 1}`).join(', ');
  try {
    const result = await db.query<{ response: Buffer }>({ name: call.fn, text: `SELECT ${call.fn}(${placeholders}) AS response`, values: params });
    const response = result.rows[0]?.response;
    if (response === undefined) throw new Error(`${call.fn} returned nothing`);
    return response;
  } catch (error) {
    throw asLedgerError(error);
  }
}

export function requestHash(fingerprint: Uint8Array): Buffer {
  return createHash('sha256').update(fingerprint).digest();
}

/** The response stored for a key used before with the same request, if any (for repeats that can no longer run). */
export async function storedResponse(db: Queryable, operation: string, key: string, fingerprint: Uint8Array): Promise<Buffer | undefined> {
  const result = await db.query<{ request_hash: Buffer; response: Buffer }>(
    'SELECT request_hash, response FROM idempotency_keys WHERE operation = $1 AND key = $2',
    [operation, key],
  );
  const row = result.rows[0];
  return row !== undefined && row.request_hash.equals(requestHash(fingerprint)) ? row.response : undefined;
}
