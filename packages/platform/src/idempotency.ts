// Idempotent commands: the same key with the same request returns the first response byte for byte; the same key
// with another request is refused. The key is claimed by the transaction's first statement, so a concurrent
// duplicate waits for the first to commit (or roll back) instead of running the effect twice. Only committed
// results are remembered: a request that failed may be retried with its key.
//
// Each service keeps an `idempotency_keys (operation, key, request_hash, response)` table (see
// `idempotencyMigration`); `operation` scopes keys, e.g. per calling service and command.
import { createHash } from 'node:crypto';
import { alreadyExists, invalidArgument } from './errors.ts';
import type { Migration, PoolClient } from './pg.ts';
import { commonReasons } from './reasons.ts';

export type IdempotentResult = { readonly replayed: true; readonly response: Buffer } | { readonly replayed: false };

/** Seals stored responses that carry a secret (e.g. a one-time code); the context binds a sealed value to its row. */
export interface ResponseCodec {
  seal(plaintext: Uint8Array, context: string): Buffer;
  open(sealed: Uint8Array, context: string): Buffer;
}

const plain: ResponseCodec = { seal: (bytes) => Buffer.from(bytes), open: (bytes) => Buffer.from(bytes) };

export function idempotencyMigration(baseNumber: number): Migration {
  return {
    name: `${baseNumber}-idempotency.sql`,
    sql: `CREATE TABLE idempotency_keys (
  operation text NOT NULL,
  key text NOT NULL,
  request_hash bytea NOT NULL,
  response bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (operation, key)
);`,
  };
}

export function checkIdempotencyKey(key: string): string {
  if (!/^[\x21-\x7e]{8,128}$/.test(key)) {
    throw invalidArgument(
      commonReasons.IDEMPOTENCY_KEY_INVALID,
      'idempotency_key must be 8-128 printable ASCII characters',
    );
  }
  return key;
}

export class Idempotency {
  readonly #codec: ResponseCodec;

  constructor(codec: ResponseCodec = plain) {
    this.#codec = codec;
  }

  /** Claims (operation, key) inside the caller's transaction; returns the stored response if it was used before. */
  async claim(client: PoolClient, operation: string, key: string, request: Uint8Array): Promise<IdempotentResult> {
    const requestHash = createHash('sha256').update(request).digest();
    const claimed = await client.query(
      `INSERT INTO idempotency_keys (operation, key, request_hash, response) VALUES ($1, $2, $3, '')
       ON CONFLICT (operation, key) DO NOTHING`,
      [operation, key, requestHash],
    );
    if (claimed.rowCount === 1) return { replayed: false };
    const existing = await client.query<{ request_hash: Buffer; response: Buffer }>(
      'SELECT request_hash, response FROM idempotency_keys WHERE operation = $1 AND key = $2',
      [operation, key],
    );
    const row = existing.rows[0];
    if (row === undefined || !row.request_hash.equals(requestHash)) {
      throw alreadyExists(
        commonReasons.IDEMPOTENCY_KEY_REUSED,
        'this idempotency_key was used with a different request',
      );
    }
    return { replayed: true, response: this.#codec.open(row.response, `idempotency:${operation}:${key}`) };
  }

  async record(client: PoolClient, operation: string, key: string, response: Uint8Array): Promise<void> {
    await client.query('UPDATE idempotency_keys SET response = $3 WHERE operation = $1 AND key = $2', [
      operation,
      key,
      this.#codec.seal(response, `idempotency:${operation}:${key}`),
    ]);
  }
}
