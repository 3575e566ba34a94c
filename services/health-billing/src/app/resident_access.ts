// Residents read their own bills with a presentation of their credential addressed to health-billing (never to a
// clinic: a presentation shown to read bills opens no bill and pays none), sent in `citypass-presentation`
// metadata. It is verified locally, then used once: its id is kept in the database until it could not be accepted
// anyway, in the transaction of the read, so a replay is refused on every instance.
import { credentialReasons } from '@citypass/credential';
import { healthBillingReasons, presentationAudiences } from '@citypass/contracts';
import { DomainError, unauthenticated } from '@citypass/platform/errors';
import type { HealthBillingStore } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export const residentAudience = presentationAudiences.healthBilling;

/** How long past its expiry a presentation is remembered: more than the clock skew the verifier allows. */
export const presentationMemoryMs = 60_000;

export interface Resident {
  readonly residentId: string;
  readonly presentationId: string;
  readonly expiresAtMs: number;
}

export async function verifiedResident(deps: VisitDeps, presentation: string | undefined): Promise<Resident> {
  if (presentation === undefined || presentation === '')
    throw unauthenticated(
      healthBillingReasons.PRESENTATION_MISSING,
      `residents authenticate with a presentation addressed to ${residentAudience}`,
    );
  const verified = await deps.verifier.verify(presentation, { audience: residentAudience });
  return {
    residentId: verified.subject,
    presentationId: verified.presentationId,
    expiresAtMs: verified.expiresAtMs,
  };
}

/** Uses the presentation up in this transaction: PRESENTATION_REPLAYED if it was used before. */
export async function usePresentation(tx: HealthBillingStore, resident: Resident): Promise<void> {
  if (!(await tx.presentations.use(resident.presentationId, resident.expiresAtMs + presentationMemoryMs)))
    throw new DomainError(
      'unauthenticated',
      credentialReasons.PRESENTATION_REPLAYED,
      'this presentation was already used: show a fresh one',
    );
}
