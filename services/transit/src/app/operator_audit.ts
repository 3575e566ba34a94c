// What transit's audit log records of an operator: who they are (platform's actorOf). The actions themselves
// (gate_assignments.ts, put_fare_rules.ts) append their row in their own transaction.
export { actorOf } from '@citypass/platform/operator_audit';

/** The actions transit audits, as <aggregate>.<verb in the past tense>. */
export const auditActions = { gatesAssigned: 'gates.assigned', fareRulesAdded: 'fare_rules.added' } as const;
