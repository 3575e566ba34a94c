// Service (or operator) query: what a service captured and refunded on one day (UTC) in one currency, and the net.
import type { GetSettlementReportResponse } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument } from '@citypass/platform/errors';
import { checkCurrency } from './currencies.ts';
import type { WalletDeps } from './deps.ts';
import { walletReasons } from '@citypass/contracts';

export async function settlementReport(
  deps: WalletDeps,
  service: string,
  date: string,
  currency: string,
): Promise<GetSettlementReportResponse> {
  checkCurrency(deps, currency);
  checkDate(date);
  const { captured, refunded } = await deps.store.statements.settlementTotals(service, date, currency);
  return {
    service,
    date,
    currency,
    capturedMinor: captured.totalMinor,
    refundedMinor: refunded.totalMinor,
    netMinor: captured.totalMinor - refunded.totalMinor,
    captures: captured.count,
    refunds: refunded.count,
  };
}

export function checkDate(date: string): string {
  if (!isCalendarDate(date))
    throw invalidArgument(walletReasons.DATE_INVALID, 'date must be a real calendar date written YYYY-MM-DD');
  return date;
}

function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text) && date.getUTCFullYear() >= 2000;
}
