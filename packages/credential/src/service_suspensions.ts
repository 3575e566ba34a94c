// Which onboarded services an operator has suspended, as identity announced it (identity.v1.events.service.
// suspended|resumed), held in memory so the services that accept access tokens check it on every call without I/O.
// Identity stops issuing tokens to a suspended client; this set stops the tokens it issued before (they live 5
// minutes and are verified offline). Events may be replayed or delivered twice and in any order: per service
// only the latest change counts, latest by the time identity made it, then by stream sequence, so a `suspended`
// delivered again after a later `resumed` changes nothing.
import { identityReasons } from '@citypass/contracts';
import { permissionDenied } from '@citypass/platform/errors';

/**
 * What a call does for a suspended caller: `refused`, or taken because it only gives back what the service holds
 * (voiding a hold, refunding, releasing a reservation): refusing those would keep residents' money locked up.
 */
export type WhileSuspended = 'refused' | 'gives_back';

export interface SuspensionChange {
  readonly service: string;
  readonly suspended: boolean;
  /** When identity made the change (its clock, under the service row's lock). */
  readonly atMs: number;
  /** The event's stream sequence: orders two changes made in the same millisecond. */
  readonly sequence: number;
}

export class ServiceSuspensions {
  readonly #latest = new Map<string, SuspensionChange>();
  readonly #suspended = new Set<string>();

  /** Applies a change unless a later one for the same service is already known; true when it was applied. */
  apply(change: SuspensionChange): boolean {
    const known = this.#latest.get(change.service);
    if (known !== undefined && !isLater(change, known)) return false;
    this.#latest.set(change.service, change);
    if (change.suspended) this.#suspended.add(change.service);
    else this.#suspended.delete(change.service);
    return true;
  }

  isSuspended(service: string): boolean {
    return this.#suspended.has(service);
  }

  get size(): number {
    return this.#suspended.size;
  }

  /** Refuses a call by a suspended service (PERMISSION_DENIED, SERVICE_SUSPENDED) unless it `gives_back`. */
  check(service: string, whileSuspended: WhileSuspended): void {
    if (whileSuspended === 'refused') this.assertActive(service);
  }

  /** Refuses a call by a suspended service: PERMISSION_DENIED, SERVICE_SUSPENDED. */
  assertActive(service: string): void {
    if (this.#suspended.has(service))
      throw permissionDenied(identityReasons.SERVICE_SUSPENDED, `the service "${service}" is suspended`);
  }
}

function isLater(change: SuspensionChange, known: SuspensionChange): boolean {
  if (change.atMs !== known.atMs) return change.atMs > known.atMs;
  return change.sequence > known.sequence;
}
