// A clinic lists the pre-authorizations it asked for, an insurer those addressed to it: newest first, in pages
// keyed by the row's sequence number (stable while new ones arrive); each one returned is an audited read.
import { healthBillingReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import type {
  ListPreauthorizationsRequest,
  ListPreauthorizationsResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { auditedPreauthorizationOf, type PreauthorizationReader } from './preauthorization_wire.ts';
import { serviceDateOf } from './service_date.ts';
import type { VisitDeps } from './visit_deps.ts';

export const defaultPageSize = 50;
export const maxPageSize = 100;

export async function listPreauthorizations(
  deps: VisitDeps,
  reader: PreauthorizationReader,
  request: ListPreauthorizationsRequest,
): Promise<ListPreauthorizationsResponse> {
  const size = request.pageSize === 0 ? defaultPageSize : Math.min(request.pageSize, maxPageSize);
  const beforeSeq = pageKeyOf(request.pageToken);
  const today = serviceDateOf(deps.now());
  return deps.store.transaction(async (tx) => {
    // One more than the page, to learn whether another follows.
    const records = await tx.preauthorizations.page(reader, beforeSeq, size + 1);
    const page = records.slice(0, size);
    const preauthorizations = [];
    for (const record of page)
      preauthorizations.push(await auditedPreauthorizationOf(tx, record, reader, deps.sealer, today));
    const last = page.at(-1);
    return {
      preauthorizations,
      nextPageToken: records.length > size && last !== undefined ? pageTokenOf(last.seq) : '',
    };
  });
}

const tokenPattern = /^p([1-9][0-9]{0,18})$/;

function pageTokenOf(seq: bigint): string {
  return Buffer.from(`p${seq}`).toString('base64url');
}

function pageKeyOf(token: string): bigint | undefined {
  if (token === '') return undefined;
  const [, digits] = /^[A-Za-z0-9_-]{1,40}$/.test(token)
    ? (tokenPattern.exec(Buffer.from(token, 'base64url').toString('latin1')) ?? [])
    : [];
  if (digits === undefined || BigInt(digits) >= 2n ** 63n)
    throw invalidArgument(healthBillingReasons.PAGE_TOKEN_INVALID, 'page_token is not one this service issued');
  return BigInt(digits);
}
