// The gate's decision, shared by the online Tap RPC and the offline gate runtime: verify the presentation locally
// (issuer and device signatures, freshness, replay, revocation) and check the transit deny list. Never waits on
// the network, except to fetch an issuer key it has never seen (IssuerKeys caches; offline gates are seeded).
// An OPEN decision only reserves the presentation in the verifier's replay cache: the caller releases it
// (verifier.release) when the tap cannot be recorded, so only a recorded tap consumes it.
import { transitReasons, presentationAudiences } from '@citypass/contracts';
import type { PresentationVerifier, VerifiedPresentation } from '@citypass/credential';
import { isDomainError } from '@citypass/platform/errors';

/** Presentations at gates are addressed to the transit service, not to one gate: a QR code is made before the tap. */
export const gateAudience = presentationAudiences.gate;

export interface DenyList {
  isDenied(residentId: string): boolean;
}

export type TapDecision =
  | { readonly decision: 'OPEN'; readonly presentation: VerifiedPresentation }
  | { readonly decision: 'DENY'; readonly reason: string; readonly presentation?: VerifiedPresentation };

export async function decideTap(
  verifier: PresentationVerifier,
  denyList: DenyList,
  presentation: string,
  atMs: number,
): Promise<TapDecision> {
  let verified: VerifiedPresentation;
  try {
    verified = await verifier.verify(presentation, { audience: gateAudience, nowMs: atMs });
  } catch (error) {
    if (isDomainError(error)) return { decision: 'DENY', reason: error.reason };
    throw error;
  }
  // The fare is not known at the gate, so a presentation capped at some amount is no mandate for it.
  const refusal =
    verified.amountCap !== undefined
      ? transitReasons.PRESENTATION_CAPPED
      : denyList.isDenied(verified.subject)
        ? transitReasons.DEBT_OUTSTANDING
        : undefined;
  if (refusal === undefined) return { decision: 'OPEN', presentation: verified };
  verifier.release(verified); // a denied tap is no use of the presentation: shown again (debt paid), it is judged again
  return { decision: 'DENY', reason: refusal, presentation: verified };
}
