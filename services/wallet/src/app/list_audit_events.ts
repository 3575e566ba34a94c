// Operator query: the wallet's audit log, newest first, filtered and paged exactly as transit's (platform's
// listOperatorAudit with the wallet's actions and reasons).
import type { ListAuditEventsRequest, ListAuditEventsResponse } from '@citypass/proto/wallet/v1/wallet';
import { listOperatorAudit } from '@citypass/platform/operator_audit';
import type { WalletDeps } from './deps.ts';
import { walletAuditLog } from './operator_audit.ts';

/** `merchant`: '' for every row, else only the refunds of that service's holds (operator_scope.ts auditMerchantOf). */
export function listAuditEvents(
  deps: WalletDeps,
  merchant: string,
  request: ListAuditEventsRequest,
): Promise<ListAuditEventsResponse> {
  return listOperatorAudit(deps.store.audit, walletAuditLog, merchant, request);
}
