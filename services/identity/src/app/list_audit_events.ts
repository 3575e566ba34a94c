// Operator query: the audit log, newest first, paged by an opaque token (the last id seen).
import type { ListAuditEventsRequest, ListAuditEventsResponse } from '@citypass/proto/identity/v1/identity';
import { invalidArgument } from '@citypass/platform/errors';
import { checkText } from '@citypass/platform/text';
import { listAudit } from '../store/audit.ts';
import type { IdentityDeps } from './deps.ts';
import { identityReasons } from '@citypass/contracts';

const maxPageSize = 500;

export async function listAuditEvents(
  deps: IdentityDeps,
  request: ListAuditEventsRequest,
): Promise<ListAuditEventsResponse> {
  if (request.pageSize > maxPageSize)
    throw invalidArgument(identityReasons.PAGE_SIZE_TOO_LARGE, `page_size must be at most ${maxPageSize}`);
  if (request.pageToken !== '' && !/^\d{1,18}$/.test(request.pageToken))
    throw invalidArgument(identityReasons.PAGE_TOKEN_INVALID, 'page_token is not one this service issued');
  checkText(request.subjectId, 'subject_id', 128);
  checkText(request.action, 'action', 64);
  const limit = request.pageSize === 0 ? 100 : request.pageSize;
  const rows = await listAudit(deps.pool, {
    limit,
    ...(request.subjectId ? { subjectId: request.subjectId } : {}),
    ...(request.action ? { action: request.action } : {}),
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
