// Races, many rounds, a property checked after each. Two clinics finalize bills for one member at the same moment:
// each bill alone would use the whole deductible and most of the out-of-pocket maximum, so if both adjudicated
// against the same accumulators the member would pay the deductible twice and more than the maximum; under the
// member year's lock the second bill sees what the first used, and the two together are exactly what adjudicating
// them one after the other gives. A patient pays at the desk while the sweeper voids bills past their deadline,
// the clock set at the deadline: each bill ends wholly paid (one hold, both legs captured) or wholly voided
// (nothing captured, its accumulator contributions released), never in between, and the ledger reconciles.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { outcomeOf } from '@citypass/platform/testing';
import { reconciliationReport } from '../../wallet/src/app/reconciliation_report.ts';
import { ledgerBooks } from '../../wallet/src/store/reconciliation.ts';
import { voidOverdue } from '../src/workers/bill_sweeper.ts';
import { startHealthBillingHarness, type Clinic, type HealthBillingHarness } from './harness.ts';
import {
  deductibleMinor,
  finalizedBill,
  key,
  openBill,
  outOfPocketMaxMinor,
  planId,
  putVisitCatalogue,
} from './visit_setup.ts';

let h: HealthBillingHarness;
let hillside: Clinic;
/**
 * The lab test's allowed amount here: two of them (one a clinic, both the same day, within the catalogue's maximum
 * of 3 a day) take a member past the out-of-pocket maximum.
 */
const labAllowedMinor = 120_000n;

before(async () => {
  h = await startHealthBillingHarness();
  hillside = await h.addClinic('hillside-clinic');
  await putVisitCatalogue(h, [h.clinic.name, hillside.name], { 'LB-402': labAllowedMinor });
});

after(async () => {
  await h.stop();
});

const sum = (values: readonly bigint[]): bigint => values.reduce((total, value) => total + value, 0n);

test('races - two clinics finalizing for one member at once never both use the same deductible or out-of-pocket room', async () => {
  const rounds = 8;
  const lines = [{ code: 'LB-402', unitPriceMinor: labAllowedMinor }] as const;
  for (let round = 1; round <= rounds; round++) {
    const patient = await h.patient(planId);
    // An earlier visit this year (outside the deductible): the member's year is on record, so the race is over
    // accumulators that exist, not over creating them.
    const earlier = await finalizedBill(h.clinic, patient, [{ code: 'GP-101', unitPriceMinor: 5_000n }]);
    const [first, second] = await Promise.all([openBill(h.clinic, patient, lines), openBill(hillside, patient, lines)]);
    const finalized = await Promise.all([
      h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: first.billId }),
      hillside.billing.finalizeBill({ idempotencyKey: key(), billId: second.billId }),
    ]);
    const bills = finalized.map((answer) => answer.bill);
    const contributions = (
      await h.db.query<{ deductible: string; oop: string }>(
        `SELECT coalesce(sum(deductible_minor), 0) AS deductible, coalesce(sum(out_of_pocket_minor), 0) AS oop
           FROM accumulator_contributions WHERE patient_id = $1`,
        [patient.residentId],
      )
    ).rows[0];
    const patientTotal = sum(bills.map((bill) => bill?.patientMinor ?? 0n));
    const allowedTotal = 2n * sum(lines.map((line) => line.unitPriceMinor));
    // One after the other: the first pays the deductible and 10% of the rest; the second only what is left of
    // the out-of-pocket maximum (its 10% would be more).
    assert.equal(BigInt(contributions?.deductible ?? -1), deductibleMinor, `round ${round}: deductible used once`);
    assert.equal(BigInt(contributions?.oop ?? -1), outOfPocketMaxMinor, `round ${round}: OOP room used once`);
    assert.equal(
      patientTotal + earlier.patientMinor,
      outOfPocketMaxMinor,
      `round ${round}: the member pays the maximum, no more`,
    );
    assert.equal(
      sum(bills.map((bill) => (bill?.patientMinor ?? 0n) + (bill?.planMinor ?? 0n))),
      allowedTotal,
      `round ${round}: every allowed minor unit is the member's or the plan's`,
    );
  }
});

interface HoldRow {
  status: string;
  captured_minor: string;
  payer_captured_minor: string;
}

test('races - paying at the desk while the sweeper voids at the deadline: every bill wholly paid or wholly voided', async () => {
  const rounds = 12;
  const seen = { paid: 0, voided: 0 };
  const payerBefore = (await h.account('payer', h.insurer))?.balance ?? 0n;
  const clinicBefore = (await h.account('merchant', h.clinic.name))?.balance ?? 0n;
  let paidPatientMinor = 0n;
  let paidPlanMinor = 0n;
  for (let round = 1; round <= rounds; round++) {
    const patient = await h.patient(planId);
    await h.topUp(patient, 50_000n);
    const bill = await finalizedBill(h.clinic, patient);
    const payByMs = bill.payBy?.getTime() ?? 0;
    // Health billing's clock at the deadline, give or take a few milliseconds either way.
    h.setClockOffset(payByMs - Date.now() - 15 + (round % 5) * 8);
    let outcome: string;
    try {
      [outcome] = await Promise.all([
        outcomeOf(
          h.clinic.billing.payBill({
            idempotencyKey: key(),
            billId: bill.billId,
            presentation: patient.present(h.clinic.name),
          }),
        ),
        voidOverdue(h.healthBilling.deps),
        voidOverdue(h.healthBilling.deps),
      ]);
      // Later, the sweeper: a bill the payment did not take is voided once its deadline has passed.
      h.setClockOffset(payByMs - Date.now() + 1_000);
      await voidOverdue(h.healthBilling.deps);
    } finally {
      h.setClockOffset(0);
    }
    const status = (await h.db.query<{ status: string }>('SELECT status FROM bills WHERE id = $1', [bill.billId]))
      .rows[0]?.status;
    const holds = (
      await h.wallet.db.query<HoldRow>(
        'SELECT status, captured_minor, payer_captured_minor FROM holds WHERE reference = $1',
        [bill.billId],
      )
    ).rows;
    const resident = await h.account('resident', patient.residentId);
    const contributions = Number(
      (
        await h.db.query<{ n: string }>('SELECT count(*) AS n FROM accumulator_contributions WHERE bill_id = $1', [
          bill.billId,
        ])
      ).rows[0]?.n,
    );
    if (status === 'paid') {
      seen.paid++;
      assert.equal(outcome, 'OK', `round ${round}: a paid bill's payment succeeded`);
      assert.equal(holds.length, 1);
      assert.equal(holds[0]?.status, 'captured');
      assert.equal(BigInt(holds[0].captured_minor), bill.patientMinor, `round ${round}: patient's leg whole`);
      assert.equal(BigInt(holds[0].payer_captured_minor), bill.planMinor, `round ${round}: plan's leg whole`);
      assert.deepEqual(resident, { balance: 50_000n - bill.patientMinor, held: 0n });
      assert.equal(contributions, 2, `round ${round}: a paid bill keeps its accumulator contributions`);
      paidPatientMinor += bill.patientMinor;
      paidPlanMinor += bill.planMinor;
    } else {
      seen.voided++;
      assert.equal(status, 'voided', `round ${round}: the bill ended ${String(status)}`);
      assert.equal(outcome, 'failed_precondition:PAYMENT_DEADLINE_PASSED', `round ${round}`);
      assert.ok(
        holds.every((hold) => hold.status !== 'captured' && hold.status !== 'pending'),
        `round ${round}: nothing captured or held`,
      );
      assert.deepEqual(resident, { balance: 50_000n, held: 0n });
      assert.equal(contributions, 0, `round ${round}: a voided bill releases its accumulator contributions`);
    }
  }
  assert.deepEqual(await h.account('payer', h.insurer), { balance: payerBefore - paidPlanMinor, held: 0n });
  assert.equal(
    (await h.account('merchant', h.clinic.name))?.balance,
    clinicBefore + paidPatientMinor + paidPlanMinor,
    'the clinic received exactly the paid bills',
  );
  const report = await reconciliationReport(ledgerBooks(h.wallet.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
  console.log(`# pay vs sweeper at the deadline: ${seen.paid} paid, ${seen.voided} voided`);
});
