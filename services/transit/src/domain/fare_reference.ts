// The reference settlement gives each fare's wallet hold: the step and attempt that made it, so a hold found in the
// wallet leads back to the settlement step that asked for it. Pure.
import { isUuid } from '@citypass/platform/ids';

const prefix = 'fare';

export function fareHoldReference(stepId: string, attempt: number): string {
  return `${prefix}:${stepId}:${attempt}`;
}

/** The settlement step a fare hold's reference names, or undefined for a reference settlement did not write. */
export function stepIdOfFareReference(reference: string): string | undefined {
  const [head, stepId, attempt, ...rest] = reference.split(':');
  const written = head === prefix && stepId !== undefined && isUuid(stepId) && /^[1-9]\d*$/.test(attempt ?? '');
  return written && rest.length === 0 ? stepId : undefined;
}
