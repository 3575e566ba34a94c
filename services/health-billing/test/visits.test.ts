// A visit end to end against real identity, wallet, PostgreSQL and NATS: check-in with the patient's presentation,
// lines, adjudication, and payment as one split hold (the patient's share and the insurer's, both to the clinic);
// a bill not paid in time; presentations replayed or addressed elsewhere; clinics kept to their own bills.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { promiseClient } from '@citypass/platform/grpc';
import { HealthCheckResponse_ServingStatus, HealthService } from '@citypass/proto/grpc/health/v1/health';
import { Bill, BillStatus, ServiceCategory } from '@citypass/proto/health_billing/v1/health_billing';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { healthBillingEventSubjects } from '@citypass/contracts';
import { adjudicateBill } from '../src/domain/adjudicate.ts';
import { emptyAccumulators } from '../src/domain/accumulators.ts';
import { createCodeCatalogue } from '../src/domain/codes.ts';
import { createFeeSchedule } from '../src/domain/fee_schedule.ts';
import { createPlanSchedule } from '../src/domain/plan_schedule.ts';
import { payPresentationContext } from '../src/app/settle_bill.ts';
import { healthBillingServiceName } from '../src/grpc/health_billing_service.ts';
import { finishStalled, voidOverdue } from '../src/workers/bill_sweeper.ts';
import { gpAndLabPlan, setUpGpAndLab } from './gp_and_lab.ts';
import { startHealthBillingHarness, type HealthBillingHarness } from './harness.ts';
import { outcomeOf } from '@citypass/platform/testing';

const planId = 'aurelia-basic';
const dayMs = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
const yesterday = new Date(Date.now() - dayMs).toISOString().slice(0, 10);
const key = (): string => randomBytes(8).toString('hex');
let h: HealthBillingHarness;

before(async () => {
  h = await startHealthBillingHarness();
  await setUpGpAndLab(h, planId);
  await h.fundInsurer(1_000_000n);
});

after(async () => {
  await h.stop();
});

const wirePlan = gpAndLabPlan(planId, 'city-health-fund');

/** What the engine says for the same lines, plan and fees, with nothing accumulated yet. */
function engineShares(lines: { lineId: string; code: string; billedMinor: bigint }[]) {
  const catalogue = createCodeCatalogue([
    { code: 'GP-101', category: 'gp_visit', description: 'GP consultation' },
    { code: 'LB-402', category: 'lab', description: 'Full blood count' },
  ]);
  return adjudicateBill({
    catalogue,
    feeSchedule: createFeeSchedule(
      {
        clinicId: h.clinic.name,
        currency: 'EUR',
        fees: [
          { code: 'GP-101', allowedMinor: 4_500n },
          { code: 'LB-402', allowedMinor: 2_500n },
        ],
      },
      catalogue,
    ),
    plan: createPlanSchedule(
      {
        planId,
        name: planId,
        currency: 'EUR',
        versions: [
          {
            version: 1,
            effectiveFrom: yesterday,
            deductibleMinor: 5_000n,
            outOfPocketMaxMinor: 100_000n,
            categories: {
              gp_visit: { copayMinor: 1_000n, deductibleApplies: false, coinsuranceBasisPoints: 2_000 },
              lab: { copayMinor: 0n, deductibleApplies: true, coinsuranceBasisPoints: 1_000 },
            },
          },
        ],
      },
      catalogue,
    ),
    coverage: { memberId: 'member', concession: 'adult', startsOn: '1900-01-01' },
    currency: 'EUR',
    lines: lines.map((line) => ({ ...line, serviceDate: today })),
    accumulators: emptyAccumulators(Number(today.slice(0, 4))),
    preauthorizations: [],
  });
}

async function finalizedBill(patient: Awaited<ReturnType<HealthBillingHarness['patient']>>) {
  const { bill: opened, estimate } = await h.clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(h.clinic.name),
    plannedCodes: ['GP-101'],
  });
  assert.ok(opened);
  assert.equal(opened.status, BillStatus.BILL_STATUS_OPEN);
  assert.equal(opened.planVersion, 1);
  assert.equal(estimate.length, 1);
  const add = (code: string, unitPriceMinor: bigint) =>
    h.clinic.billing.addChargeItem({
      idempotencyKey: key(),
      billId: opened.billId,
      code,
      serviceDate: '',
      quantity: 1,
      unitPriceMinor,
      note: 'seen for a cough',
    });
  await add('GP-101', 5_000n);
  await add('LB-402', 3_000n);
  const { bill } = await h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: opened.billId });
  assert.ok(bill);
  assert.equal(bill.status, BillStatus.BILL_STATUS_AWAITING_PAYMENT);
  return bill;
}

test('visit - checked in, adjudicated and paid as one split hold: every balance exact, shares as the engine says', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 50_000n);
  const payerBefore = await h.account('payer', h.insurer);
  const clinicBefore = await h.account('merchant', h.clinic.name);
  const bill = await finalizedBill(patient);
  const expected = engineShares(
    bill.items.map((item) => ({ lineId: item.lineId, code: item.code, billedMinor: item.unitPriceMinor })),
  );
  assert.deepEqual(
    [bill.billedMinor, bill.writtenOffMinor, bill.patientMinor, bill.planMinor],
    [expected.billedMinor, expected.clinicWriteOffMinor, expected.patientShareMinor, expected.planShareMinor],
  );
  assert.equal(bill.billedMinor, bill.writtenOffMinor + bill.patientMinor + bill.planMinor);
  assert.ok(bill.patientMinor > 0n && bill.planMinor > 0n);
  assert.deepEqual(
    bill.items.map((item) => item.note),
    ['seen for a cough', 'seen for a cough'],
  );

  const { bill: paid } = await h.clinic.billing.payBill({
    idempotencyKey: key(),
    billId: bill.billId,
    presentation: patient.present(h.clinic.name),
  });
  assert.ok(paid);
  assert.equal(paid.status, BillStatus.BILL_STATUS_PAID);
  assert.notEqual(paid.holdId, '');
  assert.deepEqual(await h.account('resident', patient.residentId), {
    balance: 50_000n - bill.patientMinor,
    held: 0n,
  });
  assert.deepEqual(await h.account('payer', h.insurer), {
    balance: (payerBefore?.balance ?? 0n) - bill.planMinor,
    held: 0n,
  });
  assert.deepEqual(await h.account('merchant', h.clinic.name), {
    balance: (clinicBefore?.balance ?? 0n) + bill.patientMinor + bill.planMinor,
    held: 0n,
  });
  const { bill: read } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.equal(read?.status, BillStatus.BILL_STATUS_PAID);
  // Every answer that carried the lines' codes and notes was audited: two lines added, finalized, paid, read.
  const audited = await h.db.query<{ actor: string; purpose: string }>(
    'SELECT actor, purpose FROM medical_audit WHERE resource = $1 ORDER BY id',
    [bill.billId],
  );
  assert.deepEqual(
    audited.rows.map((row) => `${row.actor} ${row.purpose}`),
    ['treatment', 'treatment', 'payment', 'payment', 'treatment'].map(
      (purpose) => `clinic:${h.clinic.name} ${purpose}`,
    ),
  );
  // The bus hears ids and money only: no patient, no line (that a resident saw a clinic is a medical detail).
  const events = (
    await h.db.query<{ subject: string; payload: Buffer }>(
      `SELECT subject, payload FROM outbox WHERE subject LIKE 'health_billing.v1.events.bill.%' ORDER BY seq`,
    )
  ).rows
    .map((row) => ({ subject: row.subject, bill: Bill.decode(EventEnvelope.decode(row.payload).payload) }))
    .filter((event) => event.bill.billId === bill.billId);
  assert.deepEqual(
    events.map((event) => event.subject),
    [healthBillingEventSubjects.billFinalized, healthBillingEventSubjects.billPaid],
  );
  for (const { bill: carried } of events) {
    assert.equal(carried.patientId, '');
    assert.deepEqual(carried.items, []);
    assert.equal(carried.clinic, h.clinic.name);
  }
});

test('visit - a bill the clinic writes off whole is settled at finalizing, without the wallet', async () => {
  // Another plan, where the lab panel needs a pre-authorization the patient does not have: CO-197, nobody pays.
  const strictPlanId = `STRICT-${randomBytes(4).toString('hex').toUpperCase()}`;
  h.setClockOffset(-2 * dayMs);
  try {
    await h.operator.putPlan({
      idempotencyKey: key(),
      plan: {
        ...wirePlan,
        planId: strictPlanId,
        categories: wirePlan.categories.map((rule) =>
          rule.category === ServiceCategory.SERVICE_CATEGORY_LAB
            ? { ...rule, preauthorizationCodes: ['LB-402'] }
            : rule,
        ),
      },
    });
  } finally {
    h.setClockOffset(0);
  }
  const patient = await h.patient(strictPlanId);
  const { bill: opened } = await h.clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(h.clinic.name),
    plannedCodes: [],
  });
  assert.ok(opened);
  await h.clinic.billing.addChargeItem({
    idempotencyKey: key(),
    billId: opened.billId,
    code: 'LB-402',
    serviceDate: '',
    quantity: 1,
    unitPriceMinor: 3_000n,
    note: '',
  });
  const { bill } = await h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: opened.billId });
  assert.ok(bill);
  assert.deepEqual(
    [bill.status, bill.billedMinor, bill.writtenOffMinor, bill.patientMinor, bill.planMinor, bill.holdId],
    [BillStatus.BILL_STATUS_PAID, 3_000n, 3_000n, 0n, 0n, ''],
  );
  assert.deepEqual(
    bill.items[0]?.result?.adjustments.map((adjustment) => `${adjustment.group}-${adjustment.reasonCode}`),
    ['CO-197'],
  );
});

test('visit - a bill not paid in time is voided: accumulators released, nothing charged', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 50_000n);
  const payerBefore = await h.account('payer', h.insurer);
  const bill = await finalizedBill(patient);
  const contributions = async () =>
    Number(
      (
        await h.db.query<{ n: string }>('SELECT count(*) AS n FROM accumulator_contributions WHERE bill_id = $1', [
          bill.billId,
        ])
      ).rows[0]?.n,
    );
  assert.equal(await contributions(), 2);
  h.setClockOffset(31_000);
  try {
    await voidOverdue(h.healthBilling.deps);
  } finally {
    h.setClockOffset(0);
  }
  const { bill: read } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.equal(read?.status, BillStatus.BILL_STATUS_VOIDED);
  assert.equal(await contributions(), 0);
  assert.equal(
    await outcomeOf(
      h.clinic.billing.payBill({
        idempotencyKey: key(),
        billId: bill.billId,
        presentation: patient.present(h.clinic.name),
      }),
    ),
    'failed_precondition:PAYMENT_DEADLINE_PASSED',
  );
  assert.deepEqual(await h.account('resident', patient.residentId), { balance: 50_000n, held: 0n });
  assert.deepEqual(await h.account('payer', h.insurer), payerBefore);
});

test('check-in - a presentation opens one bill: replayed, it is refused', async () => {
  const patient = await h.patient(planId);
  const presentation = patient.present(h.clinic.name);
  await h.clinic.billing.checkIn({ idempotencyKey: key(), presentation, plannedCodes: [] });
  assert.equal(
    await outcomeOf(h.clinic.billing.checkIn({ idempotencyKey: key(), presentation, plannedCodes: [] })),
    'unauthenticated:PRESENTATION_REPLAYED',
  );
});

test('check-in - a presentation addressed to another clinic is refused', async () => {
  const patient = await h.patient(planId);
  const reason = await outcomeOf(
    h.clinic.billing.checkIn({
      idempotencyKey: key(),
      presentation: patient.present('another-clinic'),
      plannedCodes: [],
    }),
  );
  assert.equal(reason, 'unauthenticated:AUDIENCE_MISMATCH');
});

test('bills - another clinic can neither read nor finalize a bill: BILL_NOT_FOUND', async () => {
  const other = await h.addClinic('hillside-clinic');
  const patient = await h.patient(planId);
  const { bill } = await h.clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(h.clinic.name),
    plannedCodes: [],
  });
  assert.ok(bill);
  assert.equal(await outcomeOf(other.billing.getBill({ billId: bill.billId })), 'not_found:BILL_NOT_FOUND');
  assert.equal(
    await outcomeOf(other.billing.finalizeBill({ idempotencyKey: key(), billId: bill.billId })),
    'not_found:BILL_NOT_FOUND',
  );
});

test('payment - a mandate of another resident is PATIENT_MISMATCH; a refusal by the wallet is passed on and the bill can be paid later', async () => {
  const patient = await h.patient(planId);
  const stranger = await h.patient(planId);
  await h.topUp(stranger, 50_000n);
  const bill = await finalizedBill(patient);
  const pay = (presentation: string) =>
    h.clinic.billing.payBill({ idempotencyKey: key(), billId: bill.billId, presentation });
  assert.equal(await outcomeOf(pay(stranger.present(h.clinic.name))), 'permission_denied:PATIENT_MISMATCH');
  assert.equal(await outcomeOf(pay(patient.present(h.clinic.name))), 'failed_precondition:INSUFFICIENT_FUNDS');
  const { bill: waiting } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.equal(waiting?.status, BillStatus.BILL_STATUS_AWAITING_PAYMENT);
  await h.topUp(patient, 50_000n);
  const { bill: paid } = await pay(patient.present(h.clinic.name));
  assert.equal(paid?.status, BillStatus.BILL_STATUS_PAID);
  assert.deepEqual(await h.account('resident', patient.residentId), {
    balance: 50_000n - bill.patientMinor,
    held: 0n,
  });
});

test('plans - a version starts after today, on a day no other version of the plan starts, for an onboarded insurer', async () => {
  const put = (plan: Partial<typeof wirePlan>) =>
    h.operator.putPlan({ idempotencyKey: key(), plan: { ...wirePlan, ...plan } });
  assert.equal(await outcomeOf(put({ effectiveFrom: today })), 'invalid_argument:EFFECTIVE_DATE_NOT_FUTURE');
  assert.equal(
    await outcomeOf(put({ effectiveFrom: '2999-01-01', insurer: 'nobody-insures' })),
    'failed_precondition:INSURER_UNKNOWN',
  );
  const { plan } = await put({ effectiveFrom: '2999-01-01' });
  assert.equal(plan?.version, 2);
  assert.equal(await outcomeOf(put({ effectiveFrom: '2999-01-01' })), 'already_exists:EFFECTIVE_DATE_TAKEN');
  const { versions } = await h.operator.listPlans({ planId });
  assert.deepEqual(
    versions.map((version) => [version.version, version.effectiveFrom]),
    [
      [1, yesterday],
      [2, '2999-01-01'],
    ],
  );
  assert.deepEqual(versions[0]?.categories, wirePlan.categories);
});

test('sweeper - a payment interrupted after the wallet charged it is finished with the same key: one hold, charged once', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 50_000n);
  const bill = await finalizedBill(patient);
  const deps = h.healthBilling.deps;
  const presentation = patient.present(h.clinic.name);
  const walletKey = `pay:${bill.billId}:interrupted`;
  // What PayBill commits before calling the wallet, then the wallet's charge, then a crash before its answer is kept.
  await deps.store.transaction((tx) =>
    tx.bills.markPaying(bill.billId, {
      walletKey,
      presentationSealed: deps.sealer.seal(presentation, payPresentationContext(bill.billId)),
      atMs: Date.now() - 60_000,
    }),
  );
  const first = await deps.wallet.charge({
    key: walletKey,
    presentation,
    clinic: h.clinic.name,
    currency: 'EUR',
    patientMinor: bill.patientMinor,
    insurer: h.insurer,
    planMinor: bill.planMinor,
    reference: bill.billId,
  });
  await finishStalled(deps);
  const { bill: paid } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.equal(paid?.status, BillStatus.BILL_STATUS_PAID);
  assert.equal(paid.holdId, first.holdId);
  assert.deepEqual(await h.account('resident', patient.residentId), {
    balance: 50_000n - bill.patientMinor,
    held: 0n,
  });
});

test('edge - readiness over grpc.health.v1; a presentation is taken up to 16,384 characters; operators only put plans', async () => {
  const health = promiseClient(HealthService, `127.0.0.1:${h.healthBilling.grpcPort}`);
  try {
    const { status } = await health.check({ service: healthBillingServiceName });
    assert.equal(status, HealthCheckResponse_ServingStatus.SERVING);
  } finally {
    health.close();
  }
  const checkIn = (presentation: string) =>
    h.clinic.billing.checkIn({ idempotencyKey: key(), presentation, plannedCodes: [] });
  assert.equal(await outcomeOf(checkIn('x'.repeat(16_385))), 'invalid_argument:FIELD_TOO_LONG');
  assert.notEqual(await outcomeOf(checkIn('x'.repeat(16_384))), 'invalid_argument:FIELD_TOO_LONG');
  assert.equal(
    await outcomeOf(h.clinic.billing.putPlan({ idempotencyKey: key(), plan: wirePlan })),
    'permission_denied:SCOPE_MISSING',
  );
});
