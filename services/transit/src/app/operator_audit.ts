// What transit's audit log records of an operator: who they are (platform's actorOf) and why they acted (their
// reason, checked here). The actions themselves (gate_assignments.ts, put_fare_rules.ts) append their row in their
// own transaction.
import { transitReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';

export { actorOf } from '@citypass/platform/operator_audit';

/** The actions transit audits, as <aggregate>.<verb in the past tense>. */
export const auditActions = { gatesAssigned: 'gates.assigned', fareRulesAdded: 'fare_rules.added' } as const;

const maxReasonLength = 200;

/** The operator's words on why they change something: 1-200 characters without NUL, trimmed; kept in the row. */
export function checkActionReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === '') throw invalidArgument(transitReasons.REASON_REQUIRED, 'a reason is required');
  if (trimmed.length > maxReasonLength)
    throw invalidArgument(transitReasons.REASON_TOO_LONG, `reason must be at most ${maxReasonLength} characters`);
  if (trimmed.includes('\u0000')) throw invalidArgument(transitReasons.REASON_INVALID, 'reason must not contain NUL');
  return trimmed;
}
