// A refusal the ledger's functions raise (the exception message is the reason) or a constraint that refuses a
// write becomes a DomainError with its stable reason; anything else stays what it is.
import { walletReasons } from '@citypass/contracts';
import { DomainError } from '@citypass/platform/errors';
import { pgErrorCode } from '@citypass/platform/pg';
import { isLedgerReason, ledgerReasons, type LedgerReason } from '../domain/ledger_reasons.ts';

/** Unique constraints whose violation is a refusal, not a bug. */
const constraintReasons: Readonly<Record<string, LedgerReason>> = {
  holds_mandate_nonce_key: walletReasons.MANDATE_ALREADY_USED,
  transfers_one_top_up_per_reference: walletReasons.FUNDING_REFERENCE_USED,
};

export function asLedgerError(error: unknown): unknown {
  const constraint = pgErrorCode(error) === '23505' ? constraintOf(error) : undefined;
  const reason = constraint === undefined ? undefined : constraintReasons[constraint];
  if (reason !== undefined) return domainError(reason, error);
  if (pgErrorCode(error) === 'P0001' && error instanceof Error && isLedgerReason(error.message)) {
    return domainError(error.message, error);
  }
  return error;
}

function domainError(reason: LedgerReason, cause: unknown): DomainError {
  const { kind, message } = ledgerReasons[reason];
  return new DomainError(kind, reason, message, { cause });
}

function constraintOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'constraint' in error && typeof error.constraint === 'string'
    ? error.constraint
    : undefined;
}
