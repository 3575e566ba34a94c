// The wallet side of paying a bill that is `paying`: one split charge (the patient's share against their mandate,
// the plan's on the insurer's payer account, both to the clinic, authorized and captured in one call) under the
// bill's wallet key, then the bill is paid. Repeating it after a crash repeats the same keys and request, so the wallet answers as it first did.
// A refusal puts the bill back to awaiting payment, or voids it once its deadline has passed; an unavailable wallet
// leaves it paying for the sweeper.
import { healthBillingEventSubjects } from '@citypass/contracts';
import { isDomainError } from '@citypass/platform/errors';
import { Bill as BillMessage } from '@citypass/proto/health_billing/v1/health_billing';
import { countBill } from '../metrics.ts';
import { billEventOf } from './bill_wire.ts';
import type { BillRecord, HealthBillingStore } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export const payPresentationContext = (billId: string): string => `bill:${billId}:pay_presentation`;

/**
 * Retryable: the wallet may still answer (the sweeper repeats); anything else is the wallet's final word. An
 * overloaded wallet (resource_exhausted WALLET_OVERLOADED) and a passed deadline (no answer in time, or the wallet
 * dropped the write unwritten) say nothing about the bill: the same key is sent again later.
 */
export function isRetryable(error: unknown): boolean {
  return (
    !isDomainError(error) ||
    error.kind === 'unavailable' ||
    error.kind === 'resource_exhausted' ||
    error.kind === 'deadline_exceeded'
  );
}

/** `alsoRecord`: more work in the transaction that records the payment, given the bill as it ends there. */
export async function settleBill(
  deps: VisitDeps,
  bill: BillRecord,
  presentation: string,
  alsoRecord?: (tx: HealthBillingStore, settled: BillRecord) => Promise<void>,
): Promise<BillRecord> {
  let holdId: string;
  try {
    const hold = await deps.wallet.charge({
      key: bill.walletKey ?? '',
      presentation,
      clinic: bill.clinic,
      currency: bill.currency,
      patientMinor: bill.patientMinor,
      insurer: bill.insurer,
      planMinor: bill.planMinor,
      reference: bill.billId,
    });
    holdId = hold.holdId;
  } catch (error) {
    if (!isRetryable(error)) await refused(deps, bill.billId);
    throw error;
  }
  const settled = await deps.store.transaction(async (tx) => {
    const current = (await tx.bills.get(bill.billId, { forUpdate: true })) as BillRecord;
    let paidNow = false;
    let ended = current;
    if (current.status === 'paying') {
      await tx.bills.markPaid(bill.billId, holdId, deps.now());
      ended = (await tx.bills.get(bill.billId)) as BillRecord;
      await tx.appendEvent({
        type: healthBillingEventSubjects.billPaid,
        source: 'health-billing',
        payload: BillMessage.encode(billEventOf(ended)).finish(),
      });
      paidNow = true;
    }
    await alsoRecord?.(tx, ended);
    return { bill: ended, paidNow };
  });
  if (settled.paidNow) countBill({ state: 'paid', outcome: 'wallet' });
  return settled.bill;
}

/** The wallet refused: back to awaiting payment, or voided if the deadline has passed. */
async function refused(deps: VisitDeps, billId: string): Promise<void> {
  const voided = await deps.store.transaction(async (tx) => {
    const bill = await tx.bills.get(billId, { forUpdate: true });
    if (bill?.status !== 'paying') return false;
    if (bill.payByMs !== undefined && bill.payByMs <= deps.now()) {
      await voidBill(tx, bill, deps.now());
      return true;
    }
    await tx.bills.markAwaitingPayment(billId);
    return false;
  });
  if (voided) countBill({ state: 'voided', outcome: 'refused_after_deadline' });
}

/**
 * Voids a bill in the caller's transaction: its accumulator contributions are released, the pre-authorizations its
 * lines consumed are approved again, its lines leave the clinic peers' counts (a finalized bill's), an event says so.
 */
export async function voidBill(tx: HealthBillingStore, bill: BillRecord, atMs: number): Promise<void> {
  await tx.accumulators.removeBill(bill.billId);
  await tx.clinicCodeDays.takeBack(
    bill.billId,
    bill.lines.filter((line) => !line.cancelled).map((line) => line.lineId),
  );
  await tx.preauthorizations.restoreConsumedBy(bill.billId);
  await tx.bills.markVoided(bill.billId, atMs);
  const voided = (await tx.bills.get(bill.billId)) as BillRecord;
  await tx.appendEvent({
    type: healthBillingEventSubjects.billVoided,
    source: 'health-billing',
    payload: BillMessage.encode(billEventOf(voided)).finish(),
  });
}
