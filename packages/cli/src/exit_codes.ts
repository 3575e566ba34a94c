// What `citypass` exits with, so a script can tell a refusal it should not repeat from a failure it may retry.
import type { DomainError } from '@citypass/platform/errors';

export const exitCodes = {
  /** Done: the output says what was done (or what had already been done, for a repeated idempotency key). */
  ok: 0,
  /** The service refused the request (its reason is printed): repeating it unchanged will be refused again. */
  refused: 1,
  /** The command line is wrong: nothing was sent. */
  usage: 2,
  /** The gateway could not be reached or did not answer in time, or the operator could not sign in: retry later. */
  unavailable: 3,
  /** Done, and it found what an operator must look at: `reconcile` found a break in the books. */
  findings: 4,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** A service's answer that repeating cannot change is a refusal; anything about reaching it is worth a retry. */
export function exitCodeOf(error: DomainError): ExitCode {
  return error.kind === 'unavailable' || error.kind === 'deadline_exceeded' || error.kind === 'resource_exhausted'
    ? exitCodes.unavailable
    : exitCodes.refused;
}
