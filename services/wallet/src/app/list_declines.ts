// Operator query: the authorizations declined on one UTC day, per service and reason, most declined first; only
// one service's when the operator is scoped to that merchant (operator_scope.ts).
import type { ListDeclinesResponse } from '@citypass/proto/wallet/v1/wallet';
import type { WalletDeps } from './deps.ts';
import { checkDate } from './settlement_report.ts';

const maxRows = 1_000;

/** `service`: only that service's declines; '' for every service's. */
export async function listDeclines(deps: WalletDeps, date: string, service: string): Promise<ListDeclinesResponse> {
  const counts = await deps.store.declines.onDay(checkDate(date), maxRows, service);
  return {
    date,
    declines: counts.map((each) => ({ service: each.service, reason: each.reason, count: each.count })),
  };
}
