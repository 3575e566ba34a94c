// Transit's audit log of operator actions (operator_audit, migration 9): the shared store of
// @citypass/platform/operator_audit, over transit's database.
export { auditPageQuery, postgresOperatorAuditStore } from '@citypass/platform/operator_audit';
