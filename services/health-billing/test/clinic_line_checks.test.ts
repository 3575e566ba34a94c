// The risk package's clinic line checks at finalize, against real identity, wallet, PostgreSQL and NATS: the same
// service billed to the patient again the same day, or a quantity above the catalogue's maximum (on one line, or
// over the patient's day across lines and bills), refuses the finalize with a stable reason naming the line's index (never its code), and changes nothing: the bill stays open,
// no line is adjudicated, no accumulator moves, nothing is held or charged, no event is written. An ordinary bill,
// and the same patient's next bill with another code, finalize as before.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { BillStatus } from '@citypass/proto/health_billing/v1/health_billing';
import { startHealthBillingHarness, type Clinic, type HealthBillingHarness, type Patient } from './harness.ts';
import { fees, finalizedBill, key, openBill, planId, putVisitCatalogue } from './visit_setup.ts';

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
async function snapshot(patient: Patient, billId: string, clinic: Clinic = h.clinic) {
  const { bill } = await clinic.billing.getBill({ billId });
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
    { code: 'LB-402', unitPriceMinor: 3_000n },
    { code: 'LB-402', unitPriceMinor: 3_000n },
  ]);
  assert.equal(first.items.length, 2, "one bill's own lines of a code are the visit's, not duplicates");
  assert.ok(first.patientMinor > 0n);
  const next = await finalizedBill(h.clinic, patient, [{ code: 'GP-101', unitPriceMinor: 5_000n }]);
  assert.equal(next.items.length, 1);
});

/** Checks the patient in at `clinic` and adds one line per entry; the bill stays open. */
async function billWith(clinic: Clinic, patient: Patient, lines: readonly { code: string; quantity: number }[]) {
  const opened = await openBill(clinic, patient, []);
  for (const line of lines)
    await clinic.billing.addChargeItem({
      idempotencyKey: key(),
      billId: opened.billId,
      code: line.code,
      serviceDate: '',
      quantity: line.quantity,
      unitPriceMinor: 2_500n,
      note: '',
    });
  return opened.billId;
}

test("clinic line checks - the day's quantity split over lines, or over bills at two clinics, is refused at the line that passes the maximum, nothing changes", async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 100_000n);
  // The catalogue allows 3 full blood counts per visit: two lines of 2 are 4.
  const split = await billWith(h.clinic, patient, [
    { code: 'GP-101', quantity: 1 },
    { code: 'LB-402', quantity: 2 },
    { code: 'LB-402', quantity: 2 },
  ]);
  const before = await snapshot(patient, split);
  const refused = await refusal(h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: split }));
  assert.equal(refused.outcome, 'failed_precondition:CLINIC_LINE_DAY_QUANTITY_OVER_MAXIMUM');
  assert.match(refused.message, /^line 2 is refused: /);
  assert.doesNotMatch(refused.message, /LB-402|blood/i, 'no code in the message: a medical detail');
  assert.deepEqual(await snapshot(patient, split), before);

  // Two at this clinic, then two more the same day at another: the patient's day, not the clinic's.
  const hillside = await h.addClinic('hillside-clinic');
  await h.operator.putFeeSchedule({
    idempotencyKey: key(),
    clinic: hillside.name,
    currency: 'EUR',
    entries: Object.entries(fees).map(([code, allowedMinor]) => ({ code, allowedMinor })),
  });
  const two = await billWith(h.clinic, patient, [{ code: 'LB-402', quantity: 2 }]);
  await h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: two });
  const more = await billWith(hillside, patient, [{ code: 'LB-402', quantity: 2 }]);
  const beforeMore = await snapshot(patient, more, hillside);
  const across = await refusal(hillside.billing.finalizeBill({ idempotencyKey: key(), billId: more }));
  assert.equal(across.outcome, 'failed_precondition:CLINIC_LINE_DAY_QUANTITY_OVER_MAXIMUM');
  assert.match(across.message, /^line 0 is refused: /);
  assert.deepEqual(await snapshot(patient, more, hillside), beforeMore);
  const one = await billWith(hillside, patient, [{ code: 'LB-402', quantity: 1 }]);
  const { bill } = await hillside.billing.finalizeBill({ idempotencyKey: key(), billId: one });
  assert.equal(bill?.status, BillStatus.BILL_STATUS_AWAITING_PAYMENT, 'up to the maximum over the day passes');
});
