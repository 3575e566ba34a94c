// Concession classes come from the credential's entitlements; each has its own fares and caps. Pure.
import { transitReasons, concessions, type Concession } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';

export const concessionClasses = concessions;
export type ConcessionClass = Concession;

/** One value per concession class: every class must be present. */
export type ByConcession<T> = Readonly<Record<ConcessionClass, T>>;

export function checkConcession(value: string): ConcessionClass {
  const found = concessionClasses.find((concession) => concession === value);
  if (found === undefined)
    throw invalidArgument(
      transitReasons.CONCESSION_UNKNOWN,
      `concession class must be one of ${concessionClasses.join(', ')}`,
    );
  return found;
}
