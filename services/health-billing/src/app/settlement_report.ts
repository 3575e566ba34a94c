// An insurer's settlement for one day (UTC): per clinic and currency, the bills paid that day and the plan's share
// captured from the insurer's payer account, less the plan's share refunded that day. Sums only: no patient, no
// line, so nothing medical is read (and nothing is audited).
import { healthBillingReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import type {
  GetSettlementReportRequest,
  GetSettlementReportResponse,
  SettlementLine,
} from '@citypass/proto/health_billing/v1/health_billing';
import { isServiceDate } from '../domain/dates.ts';
import type { HealthBillingStore, SettlementTotal } from './store.ts';

const dayMs = 86_400_000;

export function settlementLinesOf(
  paid: readonly SettlementTotal[],
  refunded: readonly SettlementTotal[],
): SettlementLine[] {
  const lines = new Map<string, SettlementLine>();
  const lineOf = (total: SettlementTotal): SettlementLine => {
    const key = `${total.clinic}\u0000${total.currency}`;
    const line = lines.get(key) ?? {
      clinic: total.clinic,
      currency: total.currency,
      paidBills: 0,
      planPaidMinor: 0n,
      planRefundedMinor: 0n,
      netMinor: 0n,
    };
    lines.set(key, line);
    return line;
  };
  for (const total of paid) {
    const line = lineOf(total);
    line.paidBills += total.bills;
    line.planPaidMinor += total.amountMinor;
  }
  for (const total of refunded) lineOf(total).planRefundedMinor += total.amountMinor;
  return [...lines.values()]
    .map((line) => ({ ...line, netMinor: line.planPaidMinor - line.planRefundedMinor }))
    .sort((a, b) => (a.clinic === b.clinic ? a.currency.localeCompare(b.currency) : a.clinic.localeCompare(b.clinic)));
}

export async function settlementReport(
  store: HealthBillingStore,
  insurer: string,
  request: GetSettlementReportRequest,
): Promise<GetSettlementReportResponse> {
  if (!isServiceDate(request.date)) throw invalidArgument(healthBillingReasons.DATE_INVALID, 'date must be YYYY-MM-DD');
  const fromMs = Date.parse(`${request.date}T00:00:00Z`);
  const toMs = fromMs + dayMs;
  return store.transaction(async (tx) => ({
    date: request.date,
    lines: settlementLinesOf(
      await tx.settlement.paidBetween(insurer, fromMs, toMs),
      await tx.settlement.planRefundsBetween(insurer, fromMs, toMs),
    ),
  }));
}
