// Corrections of paid bills against real identity, wallet, PostgreSQL and NATS: a line cancelled or re-priced after
// payment refunds the patient and the plan exactly what changed and leaves the accumulators as if the bill had been
// billed that way; a paid bill voided or replaced gives everything back; the wallet refunds once per correction,
// whatever repeats (the same key, a sweeper after a crash, corrections racing); bad input writes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { outcomeOf } from '@citypass/platform/testing';
import {
  Bill as BillMessage,
  BillCorrectionKind,
  BillStatus,
  RefundState,
  type Bill,
} from '@citypass/proto/health_billing/v1/health_billing';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { healthBillingEventSubjects } from '@citypass/contracts';
import { reconciliationReport } from '../../wallet/src/app/reconciliation_report.ts';
import { ledgerBooks } from '../../wallet/src/store/reconciliation.ts';
import { correctBill } from '../src/app/correct_bill.ts';
import { payPresentationContext } from '../src/app/settle_bill.ts';
import { finishRefunds } from '../src/workers/bill_sweeper.ts';
import { setUpGpAndLab } from './gp_and_lab.ts';
import { startHealthBillingHarness, type HealthBillingHarness, type Patient } from './harness.ts';

const planId = 'aurelia-corrections';
const key = (): string => randomBytes(8).toString('hex');
const topUpMinor = 100_000n;
let h: HealthBillingHarness;

before(async () => {
  h = await startHealthBillingHarness();
  await setUpGpAndLab(h, planId);
  await h.fundInsurer(10_000_000n);
});

after(async () => {
  await h.stop();
});

type Line = readonly [code: string, unitPriceMinor: bigint];
/** GP 50.00 (allowed 45.00), then three blood counts at 30.00 (allowed 25.00): the lab lines meet the deductible. */
const visitLines: readonly Line[] = [
  ['GP-101', 5_000n],
  ['LB-402', 3_000n],
  ['LB-402', 3_000n],
  ['LB-402', 3_000n],
];

async function openBill(patient: Patient, lines: readonly Line[]): Promise<Bill> {
  const { bill: opened } = await h.clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(h.clinic.name),
    plannedCodes: [],
  });
  assert.ok(opened);
  for (const [code, unitPriceMinor] of lines)
    await h.clinic.billing.addChargeItem({
      idempotencyKey: key(),
      billId: opened.billId,
      code,
      serviceDate: '',
      quantity: 1,
      unitPriceMinor,
      note: 'seen for a cough',
    });
  return opened;
}

async function finalized(patient: Patient, lines: readonly Line[]): Promise<Bill> {
  const opened = await openBill(patient, lines);
  const { bill } = await h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: opened.billId });
  assert.ok(bill);
  return bill;
}

async function pay(patient: Patient, billId: string): Promise<Bill> {
  const { bill } = await h.clinic.billing.payBill({
    idempotencyKey: key(),
    billId,
    presentation: patient.present(h.clinic.name),
  });
  assert.equal(bill?.status, BillStatus.BILL_STATUS_PAID);
  return bill;
}

/** A patient with money, who has paid a bill of `lines`. */
async function paidVisit(lines: readonly Line[] = visitLines): Promise<{ patient: Patient; bill: Bill }> {
  const patient = await h.patient(planId);
  await h.topUp(patient, topUpMinor);
  const bill = await pay(patient, (await finalized(patient, lines)).billId);
  return { patient, bill };
}

/** The member's accumulators as the database sums them, per category. */
async function accumulators(patient: Patient): Promise<string[]> {
  const result = await h.db.query<{ row: string }>(
    `SELECT category || ' d=' || sum(deductible_minor) || ' oop=' || sum(out_of_pocket_minor) || ' v=' || sum(visits)
            || ' pp=' || sum(plan_paid_minor) AS row
     FROM accumulator_contributions WHERE patient_id = $1 GROUP BY category ORDER BY category`,
    [patient.residentId],
  );
  return result.rows.map((each) => each.row);
}

async function balances(patient: Patient): Promise<{ patient: bigint; insurer: bigint; clinic: bigint }> {
  return {
    patient: (await h.account('resident', patient.residentId))?.balance ?? 0n,
    insurer: (await h.account('payer', h.insurer))?.balance ?? 0n,
    clinic: (await h.account('merchant', h.clinic.name))?.balance ?? 0n,
  };
}

async function hold(holdId: string): Promise<{ refunded: bigint; payerRefunded: bigint }> {
  const row = (
    await h.wallet.db.query<{ refunded_minor: string; payer_refunded_minor: string }>(
      'SELECT refunded_minor, payer_refunded_minor FROM holds WHERE id = $1',
      [holdId],
    )
  ).rows[0];
  return { refunded: BigInt(row?.refunded_minor ?? '-1'), payerRefunded: BigInt(row?.payer_refunded_minor ?? '-1') };
}

/** The wallet's books have no break, and health billing's refunds are the hold's. */
async function assertBooksReconcile(bill: Bill): Promise<void> {
  const report = await reconciliationReport(ledgerBooks(h.wallet.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
  const { bill: read } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.ok(read);
  assert.deepEqual(await hold(bill.holdId), {
    refunded: read.refundedPatientMinor,
    payerRefunded: read.refundedPlanMinor,
  });
  assert.equal(read.patientMinor + read.refundedPatientMinor, bill.patientMinor);
  assert.equal(read.planMinor + read.refundedPlanMinor, bill.planMinor);
  const sums = (
    await h.db.query<{ patient: string; plan: string }>(
      `SELECT coalesce(sum(patient_refund_minor), 0) AS patient, coalesce(sum(plan_refund_minor), 0) AS plan
       FROM bill_corrections WHERE bill_id = $1 AND refund_state = 'refunded'`,
      [bill.billId],
    )
  ).rows[0];
  assert.deepEqual(
    [BigInt(sums?.patient ?? -1), BigInt(sums?.plan ?? -1)],
    [read.refundedPatientMinor, read.refundedPlanMinor],
  );
}

async function auditEntries(billId: string): Promise<number> {
  const audited = await h.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM medical_audit WHERE resource = $1 AND actor = $2 AND action = 'bill.read'`,
    [billId, `clinic:${h.clinic.name}`],
  );
  return Number(audited.rows[0]?.n);
}

const cancel = (bill: Bill, lineIds: string[], idempotencyKey = key()) =>
  h.clinic.billing.correctBill({
    idempotencyKey,
    billId: bill.billId,
    cancelLineIds: lineIds,
    reprices: [],
    reason: 'the blood count was not taken',
  });

const lineId = (bill: Bill, index: number): string => bill.items[index]?.lineId ?? '';

test('correct - a cancelled line refunds exactly what changed: re-adjudicated as if never billed', async () => {
  const { patient, bill } = await paidVisit();
  const before = await balances(patient);
  const auditedBefore = await auditEntries(bill.billId);
  const { bill: corrected, correction } = await cancel(bill, [lineId(bill, 1)]);
  // The re-adjudication opened the lines' codes, and the answer carries them: two audited reads.
  assert.equal(await auditEntries(bill.billId), auditedBefore + 2);
  assert.ok(corrected && correction);
  assert.equal(corrected.status, BillStatus.BILL_STATUS_PAID);
  assert.equal(correction.kind, BillCorrectionKind.BILL_CORRECTION_KIND_CORRECT);
  assert.equal(correction.refundState, RefundState.REFUND_STATE_REFUNDED);
  assert.deepEqual(correction.cancelledLineIds, [lineId(bill, 1)]);
  assert.deepEqual(
    corrected.items.map((item) => item.cancelled),
    [false, true, false, false],
  );

  // The same lines without the cancelled one, billed to a fresh member: the shares and accumulators to arrive at.
  const fresh = await paidVisit([visitLines[0], visitLines[2], visitLines[3]] as Line[]);
  assert.deepEqual(
    [corrected.billedMinor, corrected.writtenOffMinor, corrected.patientMinor, corrected.planMinor],
    [fresh.bill.billedMinor, fresh.bill.writtenOffMinor, fresh.bill.patientMinor, fresh.bill.planMinor],
  );
  assert.deepEqual(await accumulators(patient), await accumulators(fresh.patient));
  // The third blood count moved from coinsurance back into the deductible: the plan gets its share back too.
  assert.equal(correction.patientRefundMinor, bill.patientMinor - fresh.bill.patientMinor);
  assert.equal(correction.planRefundMinor, bill.planMinor - fresh.bill.planMinor);
  assert.ok(correction.patientRefundMinor > 0n && correction.planRefundMinor > 0n);
  assert.deepEqual(await balances(patient), {
    patient: before.patient + correction.patientRefundMinor,
    insurer: before.insurer + correction.planRefundMinor - fresh.bill.planMinor,
    clinic:
      before.clinic -
      correction.patientRefundMinor -
      correction.planRefundMinor +
      fresh.bill.billedMinor -
      fresh.bill.writtenOffMinor,
  });
  assert.equal(corrected.refundedPatientMinor, correction.patientRefundMinor);
  await assertBooksReconcile(bill);

  // Recorded: who, why (sealed), what; the bus hears ids and money only; the re-adjudication's read is audited.
  const row = (
    await h.db.query<{ corrected_by: string; reason_sealed: Buffer; wallet_key: string }>(
      'SELECT corrected_by, reason_sealed, wallet_key FROM bill_corrections WHERE bill_id = $1',
      [bill.billId],
    )
  ).rows[0];
  assert.equal(row?.corrected_by, `clinic:${h.clinic.name}`);
  assert.equal(row.wallet_key, `refund:${correction.correctionId}`);
  assert.ok(!row.reason_sealed.toString('latin1').includes('blood count'));
  const events = (
    await h.db.query<{ payload: Buffer }>('SELECT payload FROM outbox WHERE subject = $1', [
      healthBillingEventSubjects.billCorrected,
    ])
  ).rows
    .map((each) => BillMessage.decode(EventEnvelope.decode(each.payload).payload))
    .filter((each) => each.billId === bill.billId);
  assert.equal(events.length, 1);
  assert.deepEqual([events[0]?.patientId, events[0]?.items], ['', []]);
});

test('correct - a line re-priced down is re-adjudicated at its new amount and the difference refunded', async () => {
  const { patient, bill } = await paidVisit([['GP-101', 5_000n]]);
  const before = await balances(patient);
  const { bill: corrected, correction } = await h.clinic.billing.correctBill({
    idempotencyKey: key(),
    billId: bill.billId,
    cancelLineIds: [],
    reprices: [{ lineId: lineId(bill, 0), billedMinor: 4_000n }],
    reason: 'priced at the wrong tariff',
  });
  assert.ok(corrected && correction);
  const fresh = await paidVisit([['GP-101', 4_000n]]);
  assert.deepEqual(
    [corrected.billedMinor, corrected.writtenOffMinor, corrected.patientMinor, corrected.planMinor],
    [4_000n, 0n, fresh.bill.patientMinor, fresh.bill.planMinor],
  );
  assert.equal(corrected.items[0]?.result?.billedMinor, 4_000n);
  assert.deepEqual(correction.repricedLineIds, [lineId(bill, 0)]);
  assert.equal(correction.writtenOffDeltaMinor, -500n);
  assert.deepEqual(
    [correction.patientRefundMinor, correction.planRefundMinor],
    [bill.patientMinor - fresh.bill.patientMinor, bill.planMinor - fresh.bill.planMinor],
  );
  assert.equal((await balances(patient)).patient, before.patient + correction.patientRefundMinor);
  assert.deepEqual(await accumulators(patient), await accumulators(fresh.patient));
  await assertBooksReconcile(bill);
});

test('correct - a re-price that only moves the clinic write-off is taken, with nothing to refund', async () => {
  const { patient, bill } = await paidVisit([['GP-101', 5_000n]]);
  const before = await balances(patient);
  const { bill: corrected, correction } = await h.clinic.billing.correctBill({
    idempotencyKey: key(),
    billId: bill.billId,
    cancelLineIds: [],
    reprices: [{ lineId: lineId(bill, 0), billedMinor: 6_000n }],
    reason: 'list price updated',
  });
  assert.ok(corrected && correction);
  assert.deepEqual(
    [corrected.billedMinor, corrected.writtenOffMinor, corrected.patientMinor, corrected.planMinor],
    [6_000n, bill.writtenOffMinor + 1_000n, bill.patientMinor, bill.planMinor],
  );
  assert.deepEqual(
    [
      correction.patientRefundMinor,
      correction.planRefundMinor,
      correction.writtenOffDeltaMinor,
      correction.refundState,
    ],
    [0n, 0n, 1_000n, RefundState.REFUND_STATE_NONE],
  );
  assert.deepEqual(await balances(patient), before);
});

test('void - a paid bill is reversed: both shares back, accumulators released', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, topUpMinor);
  const before = await balances(patient);
  const bill = await pay(patient, (await finalized(patient, visitLines)).billId);
  const { bill: reversed, correction } = await h.clinic.billing.voidBill({
    idempotencyKey: key(),
    billId: bill.billId,
    reason: 'billed to the wrong patient',
  });
  assert.ok(reversed && correction);
  assert.equal(reversed.status, BillStatus.BILL_STATUS_REVERSED);
  assert.deepEqual(
    [reversed.billedMinor, reversed.patientMinor, reversed.planMinor, reversed.writtenOffMinor],
    [0n, 0n, 0n, 0n],
  );
  assert.ok(reversed.items.every((item) => item.cancelled));
  assert.deepEqual(
    [correction.patientRefundMinor, correction.planRefundMinor, correction.refundState],
    [bill.patientMinor, bill.planMinor, RefundState.REFUND_STATE_REFUNDED],
  );
  assert.deepEqual(await balances(patient), before);
  assert.deepEqual(await accumulators(patient), []);
  await assertBooksReconcile(bill);
  // Reversed is final: neither voided again nor corrected.
  assert.equal(
    await outcomeOf(h.clinic.billing.voidBill({ idempotencyKey: key(), billId: bill.billId, reason: 'again' })),
    'failed_precondition:BILL_STATE_INVALID',
  );
  assert.equal(await outcomeOf(cancel(bill, [lineId(bill, 0)])), 'failed_precondition:BILL_NOT_PAID');
});

test('void - an awaiting or open bill is voided: nothing charged, accumulators released, the reason kept', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, topUpMinor);
  const before = await balances(patient);
  const awaiting = await finalized(patient, visitLines);
  assert.notDeepEqual(await accumulators(patient), []);
  const { bill: voided, correction } = await h.clinic.billing.voidBill({
    idempotencyKey: key(),
    billId: awaiting.billId,
    reason: 'the patient left',
  });
  assert.equal(voided?.status, BillStatus.BILL_STATUS_VOIDED);
  assert.equal(correction?.refundState, RefundState.REFUND_STATE_NONE);
  assert.deepEqual(await accumulators(patient), []);
  assert.deepEqual(await balances(patient), before);

  const open = await openBill(patient, [['GP-101', 5_000n]]);
  const { bill: voidedOpen } = await h.clinic.billing.voidBill({
    idempotencyKey: key(),
    billId: open.billId,
    reason: 'opened by mistake',
  });
  assert.equal(voidedOpen?.status, BillStatus.BILL_STATUS_VOIDED);
  const kept = await h.db.query('SELECT 1 FROM bill_corrections WHERE bill_id = ANY($1::uuid[])', [
    [awaiting.billId, open.billId],
  ]);
  assert.equal(kept.rowCount, 2);
});

test('void - a bill whose payment is under way is refused until the payment ends', async () => {
  const patient = await h.patient(planId);
  const bill = await finalized(patient, [['GP-101', 5_000n]]);
  const deps = h.healthBilling.deps;
  await deps.store.transaction((tx) =>
    tx.bills.markPaying(bill.billId, {
      walletKey: `pay:${bill.billId}:under-way`,
      presentationSealed: deps.sealer.seal('mandate', payPresentationContext(bill.billId)),
      atMs: Date.now(),
    }),
  );
  assert.equal(
    await outcomeOf(h.clinic.billing.voidBill({ idempotencyKey: key(), billId: bill.billId, reason: 'left' })),
    'failed_precondition:BILL_STATE_INVALID',
  );
  assert.notDeepEqual(await accumulators(patient), []);
});

test('replace - a paid bill is reversed and a new open bill for the encounter is billed and paid again', async () => {
  const { patient, bill } = await paidVisit();
  const before = await balances(patient);
  const { replaced, replacement, correction } = await h.clinic.billing.replaceBill({
    idempotencyKey: key(),
    billId: bill.billId,
    reason: 'wrong codes',
  });
  assert.ok(replaced && replacement && correction);
  assert.equal(replaced.status, BillStatus.BILL_STATUS_REVERSED);
  assert.equal(correction.kind, BillCorrectionKind.BILL_CORRECTION_KIND_REPLACE);
  assert.deepEqual(
    [replacement.status, replacement.replacesBillId, replacement.patientId, replacement.planVersion],
    [BillStatus.BILL_STATUS_OPEN, bill.billId, patient.residentId, bill.planVersion],
  );
  assert.deepEqual(await balances(patient), {
    patient: before.patient + bill.patientMinor,
    insurer: before.insurer + bill.planMinor,
    clinic: before.clinic - bill.patientMinor - bill.planMinor,
  });
  await h.clinic.billing.addChargeItem({
    idempotencyKey: key(),
    billId: replacement.billId,
    code: 'GP-101',
    serviceDate: '',
    quantity: 1,
    unitPriceMinor: 5_000n,
    note: '',
  });
  await h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: replacement.billId });
  const paid = await pay(patient, replacement.billId);
  assert.equal(paid.replacesBillId, bill.billId);
  assert.equal((await balances(patient)).patient, before.patient + bill.patientMinor - paid.patientMinor);
  // One replacement per bill.
  assert.equal(
    await outcomeOf(h.clinic.billing.replaceBill({ idempotencyKey: key(), billId: bill.billId, reason: 'again' })),
    'failed_precondition:BILL_NOT_PAID',
  );
  await assertBooksReconcile(bill);
});

test('idempotency - the same correction twice under one key refunds once; another request under it is refused', async () => {
  const { patient, bill } = await paidVisit();
  const before = await balances(patient);
  const idempotencyKey = key();
  const first = await cancel(bill, [lineId(bill, 3)], idempotencyKey);
  const again = await cancel(bill, [lineId(bill, 3)], idempotencyKey);
  assert.equal(again.correction?.correctionId, first.correction?.correctionId);
  assert.deepEqual(again.correction, first.correction);
  assert.equal((await balances(patient)).patient, before.patient + (first.correction?.patientRefundMinor ?? 0n));
  assert.equal(
    await outcomeOf(cancel(bill, [lineId(bill, 2)], idempotencyKey)),
    'already_exists:IDEMPOTENCY_KEY_REUSED',
  );
  const corrections = await h.db.query('SELECT 1 FROM bill_corrections WHERE bill_id = $1', [bill.billId]);
  assert.equal(corrections.rowCount, 1);
  await assertBooksReconcile(bill);
});

test('concurrency - corrections racing on one bill take turns: each line cancelled once, refunds add up', async () => {
  const { patient, bill } = await paidVisit();
  const before = await balances(patient);
  // The same line twice at once: one cancels it, the other finds it cancelled.
  const same = await Promise.all([cancel(bill, [lineId(bill, 3)]), cancel(bill, [lineId(bill, 3)])].map(outcomeOf));
  assert.deepEqual(same.sort(), ['OK', 'invalid_argument:LINE_NOT_CORRECTABLE']);
  // Different lines at once: both apply, one after the other.
  const different = await Promise.all([cancel(bill, [lineId(bill, 1)]), cancel(bill, [lineId(bill, 2)])]);
  assert.ok(different.every((each) => each.correction?.refundState === RefundState.REFUND_STATE_REFUNDED));
  const { bill: read } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.ok(read);
  const fresh = await paidVisit([visitLines[0]] as Line[]);
  assert.deepEqual([read.patientMinor, read.planMinor], [fresh.bill.patientMinor, fresh.bill.planMinor]);
  assert.deepEqual(await accumulators(patient), await accumulators(fresh.patient));
  assert.equal((await balances(patient)).patient, before.patient + bill.patientMinor - read.patientMinor);
  await assertBooksReconcile(bill);
});

test('sweeper - a refund lost between the commit and the wallet is made later, once, under the same key', async () => {
  const { patient, bill } = await paidVisit();
  const before = await balances(patient);
  const deps = h.healthBilling.deps;
  // Health billing commits the correction, then the wallet cannot be reached (as if the process died there).
  const unreachable = {
    ...deps,
    wallet: {
      ...deps.wallet,
      refund: () => Promise.reject(new DomainError('unavailable', 'WALLET_UNAVAILABLE', 'no answer')),
    },
  };
  const { correction } = await correctBill(unreachable, h.clinic.name, {
    idempotencyKey: key(),
    billId: bill.billId,
    cancelLineIds: [lineId(bill, 3)],
    reprices: [],
    reason: 'not taken',
  });
  assert.ok(correction);
  assert.equal(correction.refundState, RefundState.REFUND_STATE_PENDING);
  assert.deepEqual(await balances(patient), before);
  h.setClockOffset(11_000);
  try {
    await finishRefunds(deps);
  } finally {
    h.setClockOffset(0);
  }
  const state = async () =>
    (
      await h.db.query<{ refund_state: string }>('SELECT refund_state FROM bill_corrections WHERE id = $1', [
        correction.correctionId,
      ])
    ).rows[0]?.refund_state;
  assert.equal(await state(), 'refunded');
  const refundedOnce = await balances(patient);
  assert.equal(refundedOnce.patient, before.patient + correction.patientRefundMinor);
  // Health billing forgets it had an answer (a crash after the wallet refunded): the repeat refunds nothing more.
  await h.db.query(
    `UPDATE bill_corrections SET refund_state = 'pending', refund_attempted_at = now() - interval '1 hour'
                    WHERE id = $1`,
    [correction.correctionId],
  );
  await finishRefunds(deps);
  assert.equal(await state(), 'refunded');
  assert.deepEqual(await balances(patient), refundedOnce);
  await assertBooksReconcile(bill);
});

test('access - another clinic can neither correct, void nor replace a bill: BILL_NOT_FOUND', async () => {
  const { bill } = await paidVisit([['GP-101', 5_000n]]);
  const other = await h.addClinic('hillside-clinic');
  const request = { idempotencyKey: key(), billId: bill.billId, reason: 'not mine' };
  assert.deepEqual(
    await Promise.all([
      outcomeOf(other.billing.correctBill({ ...request, cancelLineIds: [lineId(bill, 0)], reprices: [] })),
      outcomeOf(other.billing.voidBill(request)),
      outcomeOf(other.billing.replaceBill(request)),
    ]),
    ['not_found:BILL_NOT_FOUND', 'not_found:BILL_NOT_FOUND', 'not_found:BILL_NOT_FOUND'],
  );
  const { bill: read } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.equal(read?.status, BillStatus.BILL_STATUS_PAID);
});

test('bad input - a stable reason and nothing written', async () => {
  // GP billed at 40.00 (under the allowed 45.00): re-pricing it up would raise the patient's share.
  const { patient, bill } = await paidVisit([
    ['GP-101', 4_000n],
    ['LB-402', 3_000n],
  ]);
  // Another patient's bill: the same GP visit again for this patient that day is refused as a duplicate.
  const awaiting = await finalized(await h.patient(planId), [['GP-101', 5_000n]]);
  const snapshot = async () => ({
    bills: (await h.clinic.billing.getBill({ billId: bill.billId })).bill,
    accumulators: await accumulators(patient),
    balances: await balances(patient),
    corrections: (await h.db.query('SELECT 1 FROM bill_corrections WHERE bill_id = $1', [bill.billId])).rowCount,
  });
  const before = await snapshot();
  const correct = (changes: {
    billId?: string;
    cancelLineIds?: string[];
    reprices?: { lineId: string; billedMinor: bigint }[];
    reason?: string;
  }) =>
    outcomeOf(
      h.clinic.billing.correctBill({
        idempotencyKey: key(),
        billId: bill.billId,
        cancelLineIds: [],
        reprices: [],
        reason: 'a reason',
        ...changes,
      }),
    );
  const gp = lineId(bill, 0);
  assert.deepEqual(
    {
      unknownLine: await correct({ cancelLineIds: ['00000000-0000-4000-8000-000000000000'] }),
      twice: await correct({ cancelLineIds: [gp], reprices: [{ lineId: gp, billedMinor: 100n }] }),
      negative: await correct({ reprices: [{ lineId: gp, billedMinor: -1n }] }),
      zero: await correct({ reprices: [{ lineId: gp, billedMinor: 0n }] }),
      huge: await correct({ reprices: [{ lineId: gp, billedMinor: 1_000_000_000_001n }] }),
      patientPaysMore: await correct({ reprices: [{ lineId: gp, billedMinor: 4_500n }] }),
      nothing: await correct({}),
      noReason: await correct({ cancelLineIds: [gp], reason: ' ' }),
      notPaid: await correct({ billId: awaiting.billId, cancelLineIds: [lineId(awaiting, 0)] }),
      badId: await correct({ billId: 'not-a-bill' }),
    },
    {
      unknownLine: 'invalid_argument:LINE_NOT_CORRECTABLE',
      twice: 'invalid_argument:LINE_NOT_CORRECTABLE',
      negative: 'invalid_argument:AMOUNT_INVALID',
      zero: 'invalid_argument:AMOUNT_INVALID',
      huge: 'invalid_argument:AMOUNT_INVALID',
      patientPaysMore: 'failed_precondition:CORRECTION_INCREASES_PATIENT_SHARE',
      nothing: 'invalid_argument:CORRECTION_EMPTY',
      noReason: 'invalid_argument:TEXT_INVALID',
      notPaid: 'failed_precondition:BILL_NOT_PAID',
      badId: 'invalid_argument:BILL_ID_INVALID',
    },
  );
  assert.deepEqual(await snapshot(), before);
  assert.equal(
    await outcomeOf(h.clinic.billing.replaceBill({ idempotencyKey: key(), billId: awaiting.billId, reason: 'r' })),
    'failed_precondition:BILL_NOT_PAID',
  );
  // The refusal explains the way out without repeating any medical detail.
  await assert.rejects(
    h.clinic.billing.correctBill({
      idempotencyKey: key(),
      billId: bill.billId,
      cancelLineIds: [],
      reprices: [{ lineId: gp, billedMinor: 4_500n }],
      reason: 'a reason',
    }),
    /new presentation/,
  );
});
