// The risk package's clinic line checks at finalize, against real identity, wallet, PostgreSQL and NATS: the same
// service billed to the patient again the same day, or a quantity above the catalogue's maximum, refuses the
// finalize with a stable reason naming the line's index (never its code), and changes nothing: the bill stays open,
// no line is adjudicated, no accumulator moves, nothing is held or charged, no event is written. An ordinary bill,
// and the same patient's next bill with another code, finalize as before.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { BillStatus } from '@citypass/proto/health_billing/v1/health_billing';
import { startHealthBillingHarness, type HealthBillingHarness, type Patient } from './harness.ts';
import { finalizedBill, key, openBill, planId, putVisitCatalogue } from './visit_setup.ts';

let h: HealthBillingHarness;

before(async () => {
  h = await startHealthBillingHarness();
  await putVisitCatalogue(h, [h.clinic.name]);
});

after(async () => {
  await h.stop();
});

async function refusal(call: Promise<unknown>): Promise<{ outcome: string; message: string }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return { outcome: `${error.kind}:${error.reason}`, message: error.message };
  }
  assert.fail('the call succeeded');
}

/** What a refused finalize must leave as it was. */
async function snapshot(patient: Patient, billId: string) {
  const { bill } = await h.clinic.billing.getBill({ billId });
  const counts = await h.db.query<{ adjudicated: string; contributions: string; events: string }>(
    `SELECT (SELECT count(*) FROM bill_lines WHERE bill_id = $1 AND allowed_minor IS NOT NULL) AS adjudicated,
            (SELECT count(*) FROM accumulator_contributions WHERE patient_id = $2) AS contributions,
            (SELECT count(*) FROM outbox) AS events`,
    [billId, patient.residentId],
  );
  return {
    status: bill?.status,
    patientMinor: bill?.patientMinor,
    counts: counts.rows[0],
    account: await h.account('resident', patient.residentId),
  };
}

test('clinic line checks - the same service billed to the patient again the same day is refused, nothing changes', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 100_000n);
  await finalizedBill(h.clinic, patient, [{ code: 'GP-101', unitPriceMinor: 5_000n }]);
  const again = await openBill(h.clinic, patient, [
    { code: 'LB-402', unitPriceMinor: 3_000n },
    { code: 'GP-101', unitPriceMinor: 5_000n },
  ]);
  const before = await snapshot(patient, again.billId);
  assert.equal(before.status, BillStatus.BILL_STATUS_OPEN);
  const refused = await refusal(h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: again.billId }));
  assert.equal(refused.outcome, 'failed_precondition:CLINIC_LINE_DUPLICATE_SAME_DAY');
  assert.match(refused.message, /line 1 /);
  assert.doesNotMatch(refused.message, /GP-101/, 'no code in the message: a medical detail');
  assert.deepEqual(await snapshot(patient, again.billId), before);
});

test('clinic line checks - a quantity above the catalogue maximum is refused, nothing changes; at it, it passes', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 100_000n);
  const billLab = async (quantity: number): Promise<string> => {
    const opened = await openBill(h.clinic, patient, []);
    await h.clinic.billing.addChargeItem({
      idempotencyKey: key(),
      billId: opened.billId,
      code: 'LB-402',
      serviceDate: '',
      quantity,
      unitPriceMinor: 2_500n,
      note: '',
    });
    return opened.billId;
  };
  // The catalogue allows 3 full blood counts per visit.
  const over = await billLab(4);
  const before = await snapshot(patient, over);
  const refused = await refusal(h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: over }));
  assert.equal(refused.outcome, 'failed_precondition:CLINIC_LINE_QUANTITY_OVER_MAXIMUM');
  assert.match(refused.message, /line 0 /);
  assert.doesNotMatch(refused.message, /LB-402/);
  assert.deepEqual(await snapshot(patient, over), before);
  const atMaximum = await billLab(3);
  const { bill } = await h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: atMaximum });
  assert.equal(bill?.status, BillStatus.BILL_STATUS_AWAITING_PAYMENT);
});

test('clinic line checks - ordinary bills, the same patient with another code the same day, finalize as before', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 100_000n);
  const first = await finalizedBill(h.clinic, patient, [
    { code: 'GP-101', unitPriceMinor: 5_000n },
    { code: 'GP-101', unitPriceMinor: 5_000n },
  ]);
  assert.equal(first.items.length, 2, "one bill's own lines of a code are the visit's, not duplicates");
  assert.ok(first.patientMinor > 0n);
  const next = await finalizedBill(h.clinic, patient, [
    { code: 'LB-402', unitPriceMinor: 3_000n },
    { code: 'LB-402', unitPriceMinor: 3_000n },
  ]);
  assert.equal(next.items.length, 2);
});
