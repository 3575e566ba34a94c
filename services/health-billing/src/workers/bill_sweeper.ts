// Voids bills not paid by their deadline (their accumulator contributions released) and finishes payments that
// stalled (a crash or a lost wallet answer): the authorization is repeated with the same key and sealed mandate,
// so the wallet returns its first answer, then captured; a final refusal voids the hold and the bill.
import { isDomainError } from '@citypass/platform/errors';
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import { payPresentationContext, settleBill, voidBill } from '../app/settle_bill.ts';
import type { VisitDeps } from '../app/visit_deps.ts';

const batchSize = 100;
/** A payment younger than this is still in its request's hands. */
const defaultStalledAfterMs = 30_000;

export function startBillSweeper(
  deps: VisitDeps,
  intervalMs: number,
  logger: Logger,
  stalledAfterMs = defaultStalledAfterMs,
): PeriodicJob {
  return runPeriodically({ name: 'health-billing-bill-sweeper', intervalMs, logger }, async () => {
    await voidOverdue(deps);
    await finishStalled(deps, stalledAfterMs);
  });
}

export async function voidOverdue(deps: VisitDeps): Promise<number> {
  const due = await deps.store.bills.overdue(deps.now(), batchSize);
  for (const billId of due) {
    await deps.store.transaction(async (tx) => {
      const bill = await tx.bills.get(billId, { forUpdate: true });
      if (bill?.status !== 'awaiting_payment' || bill.payByMs === undefined || bill.payByMs > deps.now()) return;
      await voidBill(tx, bill, deps.now());
    });
  }
  return due.length;
}

export async function finishStalled(deps: VisitDeps, stalledAfterMs = defaultStalledAfterMs): Promise<void> {
  const stalled = await deps.store.bills.stalledPayments(deps.now() - stalledAfterMs, batchSize);
  for (const billId of stalled) {
    const bill = await deps.store.bills.get(billId);
    if (bill?.status !== 'paying' || bill.payPresentationSealed === undefined) continue;
    const presentation = deps.sealer.open(bill.payPresentationSealed, payPresentationContext(billId));
    await settleBill(deps, bill, presentation).catch((error: unknown) => {
      if (!isDomainError(error) || error.kind === 'unavailable')
        deps.logger.warn('a stalled bill payment is not finished yet', { billId, error });
    });
  }
}
