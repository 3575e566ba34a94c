// An insurer lists its claims: its adjudicated bills as ClaimResponse-like summaries (amounts and CARC adjustments
// per line, no codes or notes), newest first, filtered by the day they were opened and by clinic. That a resident
// was billed by a clinic is itself medical: each bill listed is audited (insurer, payment).
import { healthBillingReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import type {
  ClaimSummary,
  ListClaimsRequest,
  ListClaimsResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { isServiceDate } from '../domain/dates.ts';
import { billSummaryOf, lineResultOf } from './bill_wire.ts';
import { cursorOf, pageOf, pageSizeOf } from './page_token.ts';
import type { BillRecord, ClaimQuery } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

const dayMs = 86_400_000;
const maxRangeDays = 366;

function dayStartMs(date: string, field: string): number | undefined {
  if (date === '') return undefined;
  if (!isServiceDate(date)) throw invalidArgument(healthBillingReasons.DATE_INVALID, `${field} must be YYYY-MM-DD`);
  return Date.parse(`${date}T00:00:00Z`);
}

function queryOf(request: ListClaimsRequest): ClaimQuery {
  const fromMs = dayStartMs(request.fromDate, 'from_date');
  const toDayMs = dayStartMs(request.toDate, 'to_date');
  const toMs = toDayMs === undefined ? undefined : toDayMs + dayMs;
  if (fromMs !== undefined && toMs !== undefined && (fromMs >= toMs || toMs - fromMs > maxRangeDays * dayMs))
    throw invalidArgument(
      healthBillingReasons.DATE_RANGE_INVALID,
      `from_date must not be after to_date, and at most ${maxRangeDays} days before it`,
    );
  const after = cursorOf(request.pageToken);
  return {
    ...(request.clinic === '' ? {} : { clinic: request.clinic }),
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
    ...(after === undefined ? {} : { after }),
  };
}

export function claimSummaryOf(bill: BillRecord): ClaimSummary {
  const { items: _items, payBy: _payBy, holdId: _holdId, ...summary } = billSummaryOf(bill);
  return {
    ...summary,
    // A corrected bill's claim is its lines as they stand; a reversed bill keeps all of them (all cancelled).
    lines: bill.lines.flatMap((line) =>
      line.outcome === undefined || (line.cancelled && bill.status !== 'reversed')
        ? []
        : [lineResultOf(line.lineId, line.billedMinor, line.outcome)],
    ),
  };
}

export async function listClaims(
  deps: VisitDeps,
  insurer: string,
  request: ListClaimsRequest,
): Promise<ListClaimsResponse> {
  const query = queryOf(request);
  const size = pageSizeOf(request.pageSize, 50);
  return deps.store.transaction(async (tx) => {
    const { page, nextPageToken } = pageOf(await tx.billPages.claimsOf(insurer, query, size + 1), size);
    for (const bill of page)
      await tx.recordMedicalRead({
        actor: `insurer:${insurer}`,
        subject: bill.patientId,
        billId: bill.billId,
        purpose: 'payment',
      });
    return { claims: page.map(claimSummaryOf), nextPageToken };
  });
}
