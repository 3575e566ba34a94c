// Voids bills not paid by their deadline (their accumulator contributions released) and finishes payments that
// stalled (a crash or a lost wallet answer): the authorization is repeated with the same key and sealed mandate,
// so the wallet returns its first answer, then captured; a final refusal voids the hold and the bill. Corrections
// whose wallet refund is still pending (a crash or a lost answer after their commit) are refunded again under the
// same key (refund:<correction id>), so the wallet refunds each correction once.
import { trace } from '@opentelemetry/api';
import { isDomainError } from '@citypass/platform/errors';
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import { inSpan } from '@citypass/platform/spans';
import { refundCorrection } from '../app/refund_correction.ts';
import { payPresentationContext, settleBill, voidBill } from '../app/settle_bill.ts';
import type { VisitDeps } from '../app/visit_deps.ts';
import { countBill, healthBillingMetrics } from '../metrics.ts';

const batchSize = 100;
/** A payment younger than this is still in its request's hands. */
const defaultStalledAfterMs = 30_000;
/** A correction's refund tried less long ago than this is left to the request (or the previous sweep). */
const refundRetryAfterMs = 10_000;
const tracer = trace.getTracer('citypass.health_billing.sweeper');
/** What the last pass found, for the backlog gauge. */
const backlog = { overdue: 0, stalled: 0 };
healthBillingMetrics.sweeperBacklog.addCallback((result) => {
  result.observe(backlog.overdue, { kind: 'overdue' });
  result.observe(backlog.stalled, { kind: 'stalled' });
});

export function startBillSweeper(
  deps: VisitDeps,
  intervalMs: number,
  logger: Logger,
  stalledAfterMs = defaultStalledAfterMs,
): PeriodicJob {
  return runPeriodically({ name: 'health-billing-bill-sweeper', intervalMs, logger }, async () => {
    await voidOverdue(deps);
    await finishStalled(deps, stalledAfterMs);
    await finishRefunds(deps);
  });
}

export async function voidOverdue(deps: VisitDeps): Promise<number> {
  const due = await deps.store.bills.overdue(deps.now(), batchSize);
  backlog.overdue = due.length;
  for (const billId of due) {
    const voided = await deps.store.transaction(async (tx) => {
      const bill = await tx.bills.get(billId, { forUpdate: true });
      if (bill?.status !== 'awaiting_payment' || bill.payByMs === undefined || bill.payByMs > deps.now()) return false;
      await voidBill(tx, bill, deps.now());
      return true;
    });
    if (voided) countBill({ state: 'voided', outcome: 'deadline_passed' });
  }
  return due.length;
}

export async function finishStalled(deps: VisitDeps, stalledAfterMs = defaultStalledAfterMs): Promise<void> {
  const stalled = await deps.store.bills.stalledPayments(deps.now() - stalledAfterMs, batchSize);
  backlog.stalled = stalled.length;
  for (const billId of stalled) {
    const bill = await deps.store.bills.get(billId);
    if (bill?.status !== 'paying' || bill.payPresentationSealed === undefined) continue;
    const presentation = deps.sealer.open(bill.payPresentationSealed, payPresentationContext(billId));
    // Its own trace: the wallet calls that finish the payment are found under it.
    await inSpan(tracer, 'health-billing finish stalled payment', {}, () => settleBill(deps, bill, presentation)).catch(
      (error: unknown) => {
        if (!isDomainError(error) || error.kind === 'unavailable')
          deps.logger.warn('a stalled bill payment is not finished yet', { billId, error });
      },
    );
  }
}

export async function finishRefunds(deps: VisitDeps): Promise<number> {
  const pending = await deps.store.corrections.pendingRefunds(deps.now() - refundRetryAfterMs, batchSize);
  for (const correctionId of pending) await refundCorrection(deps, correctionId);
  return pending.length;
}
