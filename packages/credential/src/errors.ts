// Every rejection this package makes, with its stable reason. Callers switch on `reason`; messages are for people
// and never contain the credential or presentation text.
import { DomainError, type ErrorKind } from '@citypass/platform/errors';

export type CredentialErrorReason =
  | 'PRESENTATION_TOO_LARGE'
  | 'MALFORMED_PRESENTATION'
  | 'MALFORMED_JWS'
  | 'JWS_TOO_LARGE'
  | 'JWS_CRIT_UNSUPPORTED'
  | 'JWS_TYP_INVALID'
  | 'ALG_NOT_ALLOWED'
  | 'DEVICE_KEY_INVALID'
  | 'CREDENTIAL_CLAIMS_INVALID'
  | 'PRESENTATION_CLAIMS_INVALID'
  | 'JWKS_INVALID'
  | 'ISSUER_KEY_UNKNOWN'
  | 'ISSUER_KEYS_UNAVAILABLE'
  | 'CREDENTIAL_SIGNATURE_INVALID'
  | 'ISSUER_MISMATCH'
  | 'CREDENTIAL_TYPE_UNSUPPORTED'
  | 'CREDENTIAL_NOT_YET_VALID'
  | 'CREDENTIAL_EXPIRED'
  | 'PRESENTATION_SIGNATURE_INVALID'
  | 'AUDIENCE_MISMATCH'
  | 'SD_HASH_MISMATCH'
  | 'PRESENTATION_NOT_YET_VALID'
  | 'PRESENTATION_EXPIRED'
  | 'PRESENTATION_TTL_TOO_LONG'
  | 'CREDENTIAL_REVOKED'
  | 'PRESENTATION_REPLAYED'
  | 'COUNTER_NOT_INCREASING'
  | 'REPLAY_CACHE_FULL';

export function credentialError(kind: ErrorKind, reason: CredentialErrorReason, message: string, cause?: unknown): DomainError {
  return new DomainError(kind, reason, message, cause === undefined ? undefined : { cause });
}
