// Every rejection this package makes, with its stable reason. Callers switch on `reason`; messages are for people
// and never contain the credential or presentation text.
import { DomainError, type ErrorKind } from '@citypass/platform/errors';
import { reasonCatalogue } from '@citypass/platform/reasons';
import { CredentialErrorReason as ProtoCredentialErrorReason } from '@citypass/proto/common/v1/errors';

/** Every reason this package refuses with, read from the CredentialErrorReason enum in proto/citypass/common/v1/errors.proto. */
export const credentialReasons = reasonCatalogue(ProtoCredentialErrorReason, 'CREDENTIAL_ERROR_REASON_');
export type CredentialErrorReason = keyof typeof credentialReasons;

export function credentialError(
  kind: ErrorKind,
  reason: CredentialErrorReason,
  message: string,
  cause?: unknown,
): DomainError {
  return new DomainError(kind, reason, message, cause === undefined ? undefined : { cause });
}
