// Operator query: the audit log, newest first, filtered by subject and action (exactly or by prefix) and a time
// range, paged by an opaque token (the last id seen).
import type { ListAuditEventsRequest, ListAuditEventsResponse } from '@citypass/proto/identity/v1/identity';
import { invalidArgument, permissionDenied } from '@citypass/platform/errors';
import { checkText } from '@citypass/platform/text';
import { auditActions, listAudit } from '../store/audit.ts';
import type { IdentityDeps } from './deps.ts';
import { identityReasons, type OperatorAccess } from '@citypass/contracts';
import { serviceAuditActionPrefix } from './operator_scope.ts';

const maxPageSize = 500;

/** `access`: a merchant-scoped operator reads only their own service's events (operator_scope.ts). */
export async function listAuditEvents(
  deps: IdentityDeps,
  access: OperatorAccess,
  request: ListAuditEventsRequest,
): Promise<ListAuditEventsResponse> {
  if (request.pageSize > maxPageSize)
    throw invalidArgument(identityReasons.PAGE_SIZE_TOO_LARGE, `page_size must be at most ${maxPageSize}`);
  if (request.pageToken !== '' && !/^\d{1,18}$/.test(request.pageToken))
    throw invalidArgument(identityReasons.PAGE_TOKEN_INVALID, 'page_token is not one this service issued');
  checkText(request.subjectId, 'subject_id', 128);
  checkText(request.action, 'action', 64);
  checkText(request.subjectPrefix, 'subject_id', 128);
  checkText(request.actionPrefix, 'action', 64);
  checkText(request.actor, 'actor', 128);
  const { occurredFrom: from, occurredBefore: before } = request;
  if (from !== undefined && before !== undefined && from.getTime() >= before.getTime())
    throw invalidArgument(identityReasons.AUDIT_TIME_RANGE_INVALID, 'occurred_from must be before occurred_before');
  const limit = request.pageSize === 0 ? 100 : request.pageSize;
  const merchant = access.scope.merchant;
  if (merchant !== '' && request.subjectId !== '' && request.subjectId !== merchant)
    throw permissionDenied(identityReasons.OPERATOR_OTHER_MERCHANT, "another merchant's events are not yours to read");
  const subjectId = merchant === '' ? request.subjectId : merchant;
  // No action starts so: nothing to read (and no scan of the whole log for rows that cannot be there).
  if (request.actionPrefix !== '' && !auditActions.some((action) => action.startsWith(request.actionPrefix)))
    return { events: [], nextPageToken: '' };
  const rows = await listAudit(deps.pool, {
    limit,
    ...(subjectId ? { subjectId } : {}),
    ...(merchant === '' ? {} : { scopeActionPrefix: serviceAuditActionPrefix }),
    ...(request.action ? { action: request.action } : {}),
    ...(request.actor ? { actor: request.actor } : {}),
    ...(request.actionPrefix ? { actionPrefix: request.actionPrefix } : {}),
    ...(request.subjectPrefix ? { subjectPrefix: request.subjectPrefix } : {}),
    ...(from === undefined ? {} : { from }),
    ...(before === undefined ? {} : { before }),
    ...(request.pageToken ? { beforeId: BigInt(request.pageToken) } : {}),
  });
  return {
    events: rows.map((row) => ({
      id: row.id,
      occurredAt: row.occurredAt,
      actor: row.actor,
      action: row.action,
      subjectId: row.subjectId,
      detailsJson: JSON.stringify(row.details),
    })),
    nextPageToken: rows.length === limit ? (rows.at(-1)?.id ?? '') : '',
  };
}
