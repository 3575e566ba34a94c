// A charge needs the resident's mandate: a fresh presentation of their credential addressed to the charging
// service, whose amount cap (if the phone set one) covers the amount. A bad mandate is the caller's permission
// problem, not a broken token of theirs: signature, freshness, audience and revocation failures become
// PERMISSION_DENIED with the verifier's reason; malformed input stays INVALID_ARGUMENT.
//
// A tap a gate verified (settles_tap) is a mandate as of the moment of the tap: the presentation is verified as of
// its own issue time, which may lie up to the settlement window in the past. Everything else is checked as for a
// fresh one (signatures, audience, the credential's validity at the tap); revocation is judged as of the tap too:
// a credential revoked before the tap is refused, one revoked after it (a new phone) still settles its rides.
import {
  credentialReasons,
  decodeJws,
  defaultMaxPresentationBytes,
  parsePresentationClaims,
  splitPresentation,
  type VerifiedPresentation,
} from '@citypass/credential';
import { DomainError, invalidArgument, permissionDenied } from '@citypass/platform/errors';
import type { Money } from '../domain/money.ts';
import type { WalletDeps } from './deps.ts';
import { walletReasons } from '@citypass/contracts';

/** The verifier's own default limit; checked first here because a tap is decoded before it is verified. */
const maxPresentationBytes = defaultMaxPresentationBytes;

export async function verifyMandate(
  deps: WalletDeps,
  presentation: string,
  service: string,
  money: Money,
): Promise<VerifiedPresentation> {
  if (presentation === '')
    throw invalidArgument(walletReasons.MANDATE_MISSING, 'a presentation of the resident credential is required');
  return withinCap(await asMandate(() => deps.mandates.verify(presentation, { audience: service })), money);
}

export async function verifyTapMandate(
  deps: WalletDeps,
  presentation: string,
  service: string,
  money: Money,
): Promise<VerifiedPresentation> {
  if (presentation === '')
    throw invalidArgument(walletReasons.MANDATE_MISSING, 'a presentation of the tap the gate verified is required');
  if (presentation.length > maxPresentationBytes) {
    throw invalidArgument(
      credentialReasons.PRESENTATION_TOO_LARGE,
      `presentation is longer than ${maxPresentationBytes} bytes`,
    );
  }
  const tappedAtMs = await asMandate(() => issuedAtMs(presentation));
  const nowMs = deps.now();
  const { windowMs, clockSkewMs } = deps.tapSettlement;
  if (tappedAtMs < nowMs - windowMs) {
    throw permissionDenied(
      walletReasons.TAP_TOO_OLD,
      `the tap is older than the settlement window of ${windowMs / 1000} s`,
    );
  }
  if (tappedAtMs > nowMs + clockSkewMs)
    throw permissionDenied(walletReasons.TAP_IN_FUTURE, 'the tap is issued in the future');
  // As of the tap: a revocation made after it (a new phone, a phone reported stolen later) does not undo the ride.
  return withinCap(
    await asMandate(() =>
      deps.mandates.verify(presentation, { audience: service, nowMs: tappedAtMs, revocationAsOfMs: tappedAtMs }),
    ),
    money,
  );
}

/** The key binding's `iat`, unverified: it only picks the time the presentation is then verified at. */
function issuedAtMs(presentation: string): number {
  const { keyBinding } = splitPresentation(presentation);
  return parsePresentationClaims(decodeJws(keyBinding, maxPresentationBytes).payload).iat * 1000;
}

async function asMandate<T>(check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof DomainError && error.kind !== 'invalid_argument' && error.kind !== 'unavailable') {
      throw new DomainError('permission_denied', error.reason, error.message, { cause: error });
    }
    throw error;
  }
}

function withinCap(mandate: VerifiedPresentation, money: Money): VerifiedPresentation {
  const cap = mandate.amountCap;
  if (cap !== undefined && (cap.currency !== money.currency || cap.amountMinor < money.amountMinor)) {
    throw permissionDenied(walletReasons.MANDATE_CAP_EXCEEDED, 'the amount is above the cap the resident approved');
  }
  return mandate;
}
