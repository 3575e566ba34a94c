// Idempotent commands: the same key with the same request returns the first response byte for byte; the same
// key with another request is refused. The key is claimed by the transaction's first statement, so a concurrent
// duplicate waits for the first to commit (or roll back) instead of running the effect twice.
import { createHash } from 'node:crypto';
import { alreadyExists, invalidArgument } from '@citypass/platform/errors';
import type { PoolClient } from '@citypass/platform/pg';
import type { SecretBox } from './secret_box.ts';

export type IdempotentResult = { readonly replayed: true; readonly response: Buffer } | { readonly replayed: false };

export function checkIdempotencyKey(key: string): string {
  if (!/^[\x21-\x7e]{8,128}$/.test(key)) {
    throw invalidArgument('IDEMPOTENCY_KEY_INVALID', 'idempotency_key must be 8-128 printable ASCII characters');
  }
  return key;
}

/** Claims (operation, key) inside the caller's transaction; returns the stored response if it was used before. */
export async function claimIdempotencyKey(
  client: PoolClient,
  box: SecretBox,
  operation: string,
  key: string,
  request: Uint8Array,
): Promise<IdempotentResult> {
  const requestHash = createHash('sha256').update(request).digest();
  const claimed = await client.query(
    `INSERT INTO idempotency_keys (operation, key, request_hash, response_sealed) VALUES ($1, $2, $3, '')
     ON CONFLICT (operation, key) DO NOTHING`,
    [operation, key, requestHash],
  );
  if (claimed.rowCount === 1) return { replayed: false };
  const existing = await client.query<{ request_hash: Buffer; response_sealed: Buffer }>(
    'SELECT request_hash, response_sealed FROM idempotency_keys WHERE operation = $1 AND key = $2',
    [operation, key],
  );
  const row = existing.rows[0];
  if (row === undefined || !row.request_hash.equals(requestHash)) {
    throw alreadyExists('IDEMPOTENCY_KEY_REUSED', 'this idempotency_key was used with a different request');
  }
  return { replayed: true, response: box.open(row.response_sealed, `idempotency:${operation}:${key}`) };
}

export async function recordIdempotentResponse(
  client: PoolClient,
  box: SecretBox,
  operation: string,
  key: string,
  response: Uint8Array,
): Promise<void> {
  await client.query('UPDATE idempotency_keys SET response_sealed = $3 WHERE operation = $1 AND key = $2', [
    operation,
    key,
    box.seal(response, `idempotency:${operation}:${key}`),
  ]);
}
