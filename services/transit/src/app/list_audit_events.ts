// Operator query: transit's audit log, newest first, filtered by actor, action and target prefix and a time range,
// a keyset page at a time (platform's listOperatorAudit, with transit's actions and reasons).
import type { ListAuditEventsRequest, ListAuditEventsResponse } from '@citypass/proto/transit/v1/transit';
import { transitReasons } from '@citypass/contracts';
import { listOperatorAudit, type AuditLogOf } from '@citypass/platform/operator_audit';
import { auditActions } from './operator_audit.ts';
import type { TransitStore } from './transit_store.ts';

const transitAuditLog: AuditLogOf = {
  actions: Object.values(auditActions),
  reasons: {
    filterInvalid: transitReasons.AUDIT_FILTER_INVALID,
    timeRangeInvalid: transitReasons.AUDIT_TIME_RANGE_INVALID,
    pageSizeInvalid: transitReasons.PAGE_SIZE_INVALID,
    pageTokenInvalid: transitReasons.PAGE_TOKEN_INVALID,
  },
};

/** `merchant`: '' for every row, else only the rows about that gate client (operator_scope.ts auditMerchantOf). */
export function listAuditEvents(
  deps: { store: TransitStore },
  merchant: string,
  request: ListAuditEventsRequest,
): Promise<ListAuditEventsResponse> {
  return listOperatorAudit(deps.store.audit, transitAuditLog, merchant, request);
}
