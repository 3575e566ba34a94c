// A charge needs the resident's mandate: a fresh presentation of their credential addressed to the charging
// service, whose amount cap (if the phone set one) covers the amount. A bad mandate is the caller's permission
// problem, not a broken token of theirs: signature, freshness, audience and revocation failures become
// PERMISSION_DENIED with the verifier's reason; malformed input stays INVALID_ARGUMENT.
import type { VerifiedPresentation } from '@citypass/credential';
import { DomainError, invalidArgument, permissionDenied } from '@citypass/platform/errors';
import type { Money } from '../domain/money.ts';
import type { WalletDeps } from './deps.ts';

export async function verifyMandate(deps: WalletDeps, presentation: string, service: string, money: Money): Promise<VerifiedPresentation> {
  if (presentation === '') throw invalidArgument('MANDATE_MISSING', 'a presentation of the resident credential is required');
  let mandate: VerifiedPresentation;
  try {
    mandate = await deps.mandates.verify(presentation, { audience: service });
  } catch (error) {
    if (error instanceof DomainError && error.kind !== 'invalid_argument' && error.kind !== 'unavailable') {
      throw new DomainError('permission_denied', error.reason, error.message, { cause: error });
    }
    throw error;
  }
  const cap = mandate.amountCap;
  if (cap !== undefined && (cap.currency !== money.currency || cap.amountMinor < money.amountMinor)) {
    throw permissionDenied('MANDATE_CAP_EXCEEDED', 'the amount is above the cap the resident approved');
  }
  return mandate;
}
