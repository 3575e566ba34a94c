// Pre-authorizations: an insurer's approval, before the service, of one line of up to `approvedMinor` for one of
// its codes, for one member, until its expiry date. A line that needs one consumes an approved, unexpired,
// matching pre-authorization exactly once: the line names it, and no other line can use it. Its states:
//   requested -> approved | denied
//   approved  -> consumed (a line used it) | released (given back unused) | expired (past expiresOn)
//   consumed  -> approved (the consuming line was reversed: the approval is usable again until it expires)
// denied, released and expired are final. Pure.
import { failedPrecondition, invalidArgument } from '@citypass/platform/errors';
import { isCode } from './codes.ts';
import { isServiceDate, type ServiceDate } from './dates.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { isId } from './ids.ts';
import { maxAmountMinor, type MinorUnits } from './money.ts';

export const preauthorizationStates = ['requested', 'approved', 'denied', 'consumed', 'released', 'expired'] as const;
export type PreauthorizationState = (typeof preauthorizationStates)[number];

export interface Preauthorization {
  readonly id: string;
  readonly memberId: string;
  /** The codes it approves (1-20); it is used by one line of any of them. */
  readonly codes: readonly string[];
  /** The most the line's allowed amount may be; above it the clinic writes the rest off (CO-198). */
  readonly approvedMinor: MinorUnits;
  /** The last service date it covers (inclusive). */
  readonly expiresOn: ServiceDate;
  readonly state: PreauthorizationState;
}

export const maxPreauthorizationCodes = 20;
/** Pre-authorizations one adjudication may be given (the member's open ones). */
export const maxPreauthorizations = 1_000;

const transitions: Readonly<Record<PreauthorizationState, readonly PreauthorizationState[]>> = {
  requested: ['approved', 'denied'],
  approved: ['consumed', 'released', 'expired'],
  consumed: ['approved'],
  denied: [],
  released: [],
  expired: [],
};

/** The pre-authorization in its next state; FAILED_PRECONDITION when its current state does not lead there. */
export function changePreauthorizationState(
  preauthorization: Preauthorization,
  next: PreauthorizationState,
): Preauthorization {
  checkPreauthorizationTransition(preauthorization.state, next);
  return { ...preauthorization, state: next };
}

/** FAILED_PRECONDITION PREAUTHORIZATION_STATE_INVALID when `current` does not lead to `next`. */
export function checkPreauthorizationTransition(current: PreauthorizationState, next: PreauthorizationState): void {
  if (!transitions[current].includes(next))
    throw failedPrecondition(
      healthBillingReasons.PREAUTHORIZATION_STATE_INVALID,
      `a ${current} pre-authorization cannot become ${next}`,
    );
}

/** The list with the named ones consumed (after a claim: BillAdjudication.consumedPreauthorizationIds). */
export function consumePreauthorizations(
  preauthorizations: readonly Preauthorization[],
  consumedIds: readonly string[],
): Preauthorization[] {
  const consumed = new Set(consumedIds);
  return preauthorizations.map((preauthorization) =>
    consumed.has(preauthorization.id) ? changePreauthorizationState(preauthorization, 'consumed') : preauthorization,
  );
}

/** Throws PREAUTHORIZATION_INVALID for a malformed one or a repeated id. */
export function checkPreauthorizations(preauthorizations: readonly Preauthorization[]): void {
  const invalid = (field: string, message: string): Error =>
    invalidArgument(healthBillingReasons.PREAUTHORIZATION_INVALID, `preauthorizations${field} ${message}`);
  const list: unknown = preauthorizations;
  if (!Array.isArray(list) || list.length > maxPreauthorizations)
    throw invalid('', `must be a list of at most ${maxPreauthorizations}`);
  const ids = new Set<string>();
  preauthorizations.forEach((preauthorization, index) => {
    const field = `[${index}]`;
    if (!isId(preauthorization.id) || ids.has(preauthorization.id)) throw invalid(`${field}.id`, 'must be a unique id');
    ids.add(preauthorization.id);
    if (!isId(preauthorization.memberId)) throw invalid(`${field}.memberId`, 'must be an id');
    const codes: unknown = preauthorization.codes;
    if (!Array.isArray(codes) || codes.length === 0 || codes.length > maxPreauthorizationCodes || !codes.every(isCode))
      throw invalid(`${field}.codes`, `must be 1-${maxPreauthorizationCodes} codes`);
    const approved: unknown = preauthorization.approvedMinor;
    if (typeof approved !== 'bigint' || approved < 0n || approved > maxAmountMinor)
      throw invalid(`${field}.approvedMinor`, 'must be minor units from 0 to 10^12');
    if (!isServiceDate(preauthorization.expiresOn)) throw invalid(`${field}.expiresOn`, 'must be a date YYYY-MM-DD');
    if (!(preauthorizationStates as readonly string[]).includes(preauthorization.state))
      throw invalid(`${field}.state`, `must be one of ${preauthorizationStates.join(', ')}`);
  });
}

/**
 * The pre-authorization a line uses: approved, the member's, for the code, not expired on the service date, not
 * used by an earlier line. Of several, the one expiring first (then the smallest id), so the longer-lived stay.
 */
export function findPreauthorization(
  preauthorizations: readonly Preauthorization[],
  memberId: string,
  code: string,
  serviceDate: ServiceDate,
  used: ReadonlySet<string>,
): Preauthorization | undefined {
  let best: Preauthorization | undefined;
  for (const candidate of preauthorizations) {
    if (candidate.state !== 'approved' || candidate.memberId !== memberId || candidate.expiresOn < serviceDate)
      continue;
    if (!candidate.codes.includes(code) || used.has(candidate.id)) continue;
    if (
      best === undefined ||
      candidate.expiresOn < best.expiresOn ||
      (candidate.expiresOn === best.expiresOn && candidate.id < best.id)
    )
      best = candidate;
  }
  return best;
}
