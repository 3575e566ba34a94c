// Operator query: transit's audit log, newest first, filtered by actor, action and target prefix and a time range,
// a keyset page at a time (the token carries the last id served, bound to its filters).
import { createHash } from 'node:crypto';
import { OperatorAuditEvent } from '@citypass/proto/common/v1/audit';
import type { ListAuditEventsRequest, ListAuditEventsResponse } from '@citypass/proto/transit/v1/transit';
import { transitReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import { auditActions } from './operator_audit.ts';
import { checkPageSize, keyOfPageToken, pageTokenOf } from './page_token.ts';
import type { OperatorAuditFilter, OperatorAuditRow, TransitStore } from './transit_store.ts';

const maxFilterLength = 128;

function filterText(value: string, field: string): string | undefined {
  if (value.length > maxFilterLength || value.includes('\u0000'))
    throw invalidArgument(
      transitReasons.AUDIT_FILTER_INVALID,
      `${field} must be at most ${maxFilterLength} characters, without NUL`,
    );
  return value === '' ? undefined : value;
}

/** The token's kind names its filters, so a token is refused on a page with other filters. */
function tokenKind(request: ListAuditEventsRequest, merchant: string): string {
  const filters = [
    merchant,
    request.actor,
    request.actionPrefix,
    request.targetPrefix,
    request.occurredFrom?.toISOString() ?? '',
    request.occurredBefore?.toISOString() ?? '',
  ];
  return `audit.${createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16)}`;
}

/** `merchant`: '' for every row, else only the rows about that gate client (operator_scope.ts auditMerchantOf). */
export async function listAuditEvents(
  deps: { store: TransitStore },
  merchant: string,
  request: ListAuditEventsRequest,
): Promise<ListAuditEventsResponse> {
  const limit = checkPageSize(request.pageSize);
  const actor = filterText(request.actor, 'actor');
  const actionPrefix = filterText(request.actionPrefix, 'action_prefix');
  const targetPrefix = filterText(request.targetPrefix, 'target_prefix');
  const { occurredFrom: from, occurredBefore: before } = request;
  if (from !== undefined && before !== undefined && from.getTime() >= before.getTime())
    throw invalidArgument(transitReasons.AUDIT_TIME_RANGE_INVALID, 'occurred_from must be before occurred_before');
  const kind = tokenKind(request, merchant);
  const afterKey = keyOfPageToken(kind, request.pageToken, /^[1-9]\d{0,18}$/);
  // No action of transit's starts so: nothing to read (and no scan of the whole log for rows that cannot be there).
  if (actionPrefix !== undefined && !Object.values(auditActions).some((action) => action.startsWith(actionPrefix)))
    return { events: [], nextPageToken: '' };
  const filter: OperatorAuditFilter = {
    limit,
    ...(merchant === '' ? {} : { merchant }),
    ...(actor === undefined ? {} : { actor }),
    ...(actionPrefix === undefined ? {} : { actionPrefix }),
    ...(targetPrefix === undefined ? {} : { targetPrefix }),
    ...(from === undefined ? {} : { from }),
    ...(before === undefined ? {} : { before }),
    ...(afterKey === undefined ? {} : { beforeId: BigInt(afterKey) }),
  };
  const rows = await deps.store.audit.page(filter);
  const last = rows.at(-1);
  return {
    events: rows.map(eventOf),
    nextPageToken: rows.length === limit && last !== undefined ? pageTokenOf(kind, last.id.toString()) : '',
  };
}

function eventOf(row: OperatorAuditRow): OperatorAuditEvent {
  return OperatorAuditEvent.fromPartial({
    id: row.id.toString(),
    occurredAt: row.occurredAt,
    actor: row.actor,
    action: row.action,
    target: row.target,
    beforeJson: JSON.stringify(row.before),
    afterJson: JSON.stringify(row.after),
    reason: row.reason,
  });
}
