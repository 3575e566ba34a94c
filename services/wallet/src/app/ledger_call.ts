// Runs one ledger operation: claim the idempotency key, call the database function, write the event and the
// response in the same transaction. A refusal raised by the database becomes a DomainError with its reason.
import { DomainError } from '@citypass/platform/errors';
import { pgErrorCode, withTransaction, type PoolClient } from '@citypass/platform/pg';
import { isLedgerReason, ledgerReasons } from '../domain/ledger_reasons.ts';
import type { WalletDeps } from './deps.ts';

export interface LedgerCall<Row, Response> {
  /** Scopes the key: `<caller>:<command>`. */
  readonly operation: string;
  readonly key: string;
  /** The request without its key: the same key with other bytes is refused. */
  readonly fingerprint: Uint8Array;
  run(client: PoolClient): Promise<Row>;
  /** Writes the event(s) for the committed change and returns the response. */
  finish(client: PoolClient, row: Row): Promise<Response>;
  encode(response: Response): Uint8Array;
  decode(bytes: Uint8Array): Response;
}

export async function ledgerCall<Row, Response>(deps: WalletDeps, call: LedgerCall<Row, Response>): Promise<Response> {
  try {
    return await withTransaction(deps.pool, async (client) => {
      const claim = await deps.idempotency.claim(client, call.operation, call.key, call.fingerprint);
      if (claim.replayed) return call.decode(claim.response);
      const response = await call.finish(client, await call.run(client));
      await deps.idempotency.record(client, call.operation, call.key, call.encode(response));
      return response;
    });
  } catch (error) {
    throw asLedgerError(error);
  }
}

export function asLedgerError(error: unknown): unknown {
  if (pgErrorCode(error) === '23505' && constraintOf(error) === 'holds_mandate_nonce_key') {
    return domainError('MANDATE_ALREADY_USED', error);
  }
  if (pgErrorCode(error) === '23505' && constraintOf(error) === 'transfers_one_top_up_per_reference') {
    return domainError('FUNDING_REFERENCE_USED', error);
  }
  if (pgErrorCode(error) === 'P0001' && error instanceof Error && isLedgerReason(error.message)) {
    return domainError(error.message, error);
  }
  return error;
}

function domainError(reason: keyof typeof ledgerReasons, cause: unknown): DomainError {
  const { kind, message } = ledgerReasons[reason];
  return new DomainError(kind, reason, message, { cause });
}

function constraintOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'constraint' in error && typeof error.constraint === 'string' ? error.constraint : undefined;
}
