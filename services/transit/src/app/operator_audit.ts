// What transit's audit log records of an operator: who they are. The actions themselves (gate_assignments.ts,
// put_fare_rules.ts) append their row in their own transaction.
import type { Principal } from '@citypass/platform/grpc';

/** The actions transit audits, as <aggregate>.<verb in the past tense>. */
export const auditActions = { gatesAssigned: 'gates.assigned', fareRulesAdded: 'fare_rules.added' } as const;

/**
 * Who acted: a person signed in to the console or the CLI is `operator:<username>` (their token's subject, as
 * identity's audit log names them); a client acting as itself (the deployment's `operator`) is `operator:<client>`.
 */
export function actorOf(principal: Principal | undefined): string {
  if (principal?.operator !== undefined && principal.subject !== '') return principal.subject;
  return `operator:${principal?.clientId ?? 'unknown'}`;
}
