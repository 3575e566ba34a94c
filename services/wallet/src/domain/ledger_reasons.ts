// The refusals the ledger's database functions raise (their exception message is the reason), and what kind of
// error each one is. A closed table: an unknown message is a bug, not a client error. Keyed by the wallet's reason
// catalogue (WalletErrorReason in proto/citypass/wallet/v1/errors.proto), so a reason here is one the contract lists.
import { walletReasons, type WalletReason } from '@citypass/contracts';
import type { ErrorKind } from '@citypass/platform/errors';

export const ledgerReasons = {
  [walletReasons.INSUFFICIENT_FUNDS]: {
    kind: 'failed_precondition',
    message: 'the resident does not have enough available funds',
  },
  [walletReasons.MERCHANT_ACCOUNT_NOT_FOUND]: {
    kind: 'failed_precondition',
    message: 'the merchant paid has no merchant account in that currency',
  },
  [walletReasons.RISK_VELOCITY_LIMIT]: {
    kind: 'resource_exhausted',
    message: 'too many authorizations for this resident in the last minute',
  },
  [walletReasons.RISK_DAILY_LIMIT]: {
    kind: 'failed_precondition',
    message: 'the resident daily spending limit would be exceeded',
  },
  [walletReasons.RISK_CREDENTIAL_CAP]: {
    kind: 'failed_precondition',
    message: 'the credential daily spending cap would be exceeded',
  },
  [walletReasons.MANDATE_ALREADY_USED]: {
    kind: 'permission_denied',
    message: 'this presentation already authorized a hold',
  },
  [walletReasons.IDEMPOTENCY_KEY_REUSED]: {
    kind: 'already_exists',
    message: 'this idempotency_key was used with a different request',
  },
  [walletReasons.HOLD_NOT_FOUND]: { kind: 'not_found', message: 'no such hold for this service' },
  [walletReasons.HOLD_NOT_PENDING]: { kind: 'failed_precondition', message: 'the hold is no longer pending' },
  [walletReasons.HOLD_EXPIRED]: { kind: 'failed_precondition', message: 'the hold has expired' },
  [walletReasons.HOLD_NOT_CAPTURED]: { kind: 'failed_precondition', message: 'only a captured hold can be refunded' },
  [walletReasons.CAPTURE_EXCEEDS_HOLD]: {
    kind: 'invalid_argument',
    message: 'a capture amount is larger than its leg of the hold',
  },
  [walletReasons.REFUND_EXCEEDS_CAPTURED]: {
    kind: 'failed_precondition',
    message: 'refunds of a leg would exceed what it captured',
  },
  [walletReasons.FUNDING_REFERENCE_USED]: {
    kind: 'already_exists',
    message: 'this funding reference was already credited',
  },
  [walletReasons.CURRENCY_UNSUPPORTED]: { kind: 'invalid_argument', message: 'currency is not supported here' },
  [walletReasons.PAYER_ACCOUNT_NOT_FOUND]: {
    kind: 'failed_precondition',
    message: 'the payer has no payer account in that currency',
  },
  [walletReasons.PAYER_INSUFFICIENT_FUNDS]: {
    kind: 'failed_precondition',
    message: 'the payer does not have enough available funds for its share',
  },
} as const satisfies Partial<Record<WalletReason, { kind: ErrorKind; message: string }>>;

export type LedgerReason = keyof typeof ledgerReasons;

export function isLedgerReason(text: string): text is LedgerReason {
  return Object.hasOwn(ledgerReasons, text);
}
