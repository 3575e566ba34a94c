// Pre-authorizations end to end against real identity, wallet, PostgreSQL and NATS: a clinic asks, the plan's
// insurer decides, and finalizing a bill of that clinic for that patient uses an approved, unexpired, matching one
// exactly once (the MRI needs one in this plan, as in the Aurelia sample); a voided bill gives it back; callers see
// only their own; bad input is refused with a stable reason and writes nothing; every read is audited.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { outcomeOf } from '@citypass/platform/testing';
import {
  BillStatus,
  PreauthorizationState,
  ServiceCategory,
  type Bill,
  type Preauthorization,
} from '@citypass/proto/health_billing/v1/health_billing';
import { voidOverdue } from '../src/workers/bill_sweeper.ts';
import { startHealthBillingHarness, type Clinic, type HealthBillingHarness, type Patient } from './harness.ts';

const dayMs = 86_400_000;
const dateIn = (days: number): string => new Date(Date.now() + days * dayMs).toISOString().slice(0, 10);
const today = dateIn(0);
const key = (): string => randomBytes(8).toString('hex');
const planId = `PREAUTH-${randomBytes(4).toString('hex').toUpperCase()}`;
const mri = 'IM-303';
const mriFeeMinor = 145_000n;
let h: HealthBillingHarness;

const rule = {
  visitLimit: 0,
  planPaidCapMinor: 0n,
  preauthorizationThresholdMinor: 0n,
  deductibleApplies: false,
  coinsuranceBps: 2_000,
};

before(async () => {
  h = await startHealthBillingHarness();
  await h.operator.putCodes({
    idempotencyKey: key(),
    codes: [
      {
        code: 'GP-101',
        category: ServiceCategory.SERVICE_CATEGORY_GP_VISIT,
        description: 'GP consultation',
        maxQuantity: 0,
      },
      {
        code: mri,
        category: ServiceCategory.SERVICE_CATEGORY_IMAGING,
        description: 'MRI, one body region',
        maxQuantity: 0,
      },
    ],
  });
  await putFees(h.clinic.name);
  h.setClockOffset(-2 * dayMs);
  try {
    await h.operator.putPlan({
      idempotencyKey: key(),
      plan: {
        planId,
        insurer: h.insurer,
        currency: 'EUR',
        version: 0,
        effectiveFrom: dateIn(-1),
        deductibleMinor: 5_000n,
        outOfPocketMaxMinor: 10_000_000n,
        categories: [
          {
            ...rule,
            category: ServiceCategory.SERVICE_CATEGORY_GP_VISIT,
            copayMinor: 1_000n,
            preauthorizationCodes: [],
          },
          { ...rule, category: ServiceCategory.SERVICE_CATEGORY_IMAGING, copayMinor: 0n, preauthorizationCodes: [mri] },
        ],
        excludedCodes: [],
        concessionOverrides: [],
      },
    });
  } finally {
    h.setClockOffset(0);
  }
  await h.fundInsurer(10_000_000n);
});

after(async () => {
  await h.stop();
});

async function putFees(clinic: string): Promise<void> {
  await h.operator.putFeeSchedule({
    idempotencyKey: key(),
    clinic,
    currency: 'EUR',
    entries: [
      { code: 'GP-101', allowedMinor: 4_500n },
      { code: mri, allowedMinor: mriFeeMinor },
    ],
  });
}

async function openBill(patient: Patient, clinic: Clinic = h.clinic): Promise<string> {
  const { bill } = await clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(clinic.name),
    plannedCodes: [],
  });
  assert.ok(bill);
  return bill.billId;
}

async function requestMri(billId: string, clinic: Clinic = h.clinic): Promise<Preauthorization> {
  const { preauthorization } = await clinic.billing.requestPreauthorization({
    idempotencyKey: key(),
    billId,
    codes: [mri],
    requestedMinor: mriFeeMinor,
    reason: 'persistent knee pain after a fall',
  });
  assert.ok(preauthorization);
  return preauthorization;
}

async function approve(id: string, approvedMinor = mriFeeMinor, expiresOn = dateIn(30)): Promise<Preauthorization> {
  const { preauthorization } = await h.insurerBilling.decidePreauthorization({
    idempotencyKey: key(),
    preauthorizationId: id,
    decision: { $case: 'approve', value: { approvedMinor, expiresOn } },
  });
  assert.ok(preauthorization);
  return preauthorization;
}

/** An MRI line on the bill, finalized. */
async function billMri(billId: string, clinic: Clinic = h.clinic): Promise<Bill> {
  await clinic.billing.addChargeItem({
    idempotencyKey: key(),
    billId,
    code: mri,
    serviceDate: '',
    quantity: 1,
    unitPriceMinor: mriFeeMinor,
    note: '',
  });
  const { bill } = await clinic.billing.finalizeBill({ idempotencyKey: key(), billId });
  assert.ok(bill);
  return bill;
}

const adjustmentsOf = (bill: Bill): string[] =>
  (bill.items[0]?.result?.adjustments ?? []).map((each) => `${each.group}-${each.reasonCode}:${each.amountMinor}`);

const stateOf = async (id: string, clinic: Clinic = h.clinic): Promise<PreauthorizationState | undefined> =>
  (await clinic.billing.getPreauthorization({ preauthorizationId: id })).preauthorization?.state;

/** The line denied for want of a pre-authorization: the clinic writes it off, nobody is billed. */
function assertDenied(bill: Bill): void {
  assert.deepEqual(adjustmentsOf(bill), [`CO-197:${mriFeeMinor}`]);
  assert.deepEqual(
    [bill.status, bill.patientMinor, bill.planMinor, bill.holdId],
    [BillStatus.BILL_STATUS_PAID, 0n, 0n, ''],
  );
}

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['preauthorizations', 'medical_audit', 'idempotency_keys']) {
    const result = await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(result.rows[0]?.n);
  }
  return counts;
}

test('preauthorizations - requested, approved, then the MRI is covered and its line consumes the approval', async () => {
  const patient = await h.patient(planId);
  const billId = await openBill(patient);
  const requested = await requestMri(billId);
  assert.deepEqual(
    [requested.state, requested.codes, requested.clinic, requested.insurer, requested.patientId],
    [PreauthorizationState.PREAUTHORIZATION_STATE_REQUESTED, [mri], h.clinic.name, h.insurer, patient.residentId],
  );
  assert.deepEqual(requested.requested, { amountMinor: mriFeeMinor, currency: 'EUR' });
  assert.equal(requested.reason, 'persistent knee pain after a fall');
  const approved = await approve(requested.preauthorizationId);
  assert.equal(approved.state, PreauthorizationState.PREAUTHORIZATION_STATE_APPROVED);
  assert.deepEqual([approved.approved?.amountMinor, approved.expiresOn], [mriFeeMinor, dateIn(30)]);

  const bill = await billMri(billId);
  // Covered: 20 % coinsurance, the plan pays the rest.
  assert.deepEqual(adjustmentsOf(bill), ['PR-2:29000']);
  assert.deepEqual(
    [bill.status, bill.writtenOffMinor, bill.patientMinor, bill.planMinor],
    [BillStatus.BILL_STATUS_AWAITING_PAYMENT, 0n, 29_000n, 116_000n],
  );
  const { preauthorization: consumed } = await h.clinic.billing.getPreauthorization({
    preauthorizationId: requested.preauthorizationId,
  });
  assert.equal(consumed?.state, PreauthorizationState.PREAUTHORIZATION_STATE_CONSUMED);
  assert.equal(consumed.consumedByLineId, bill.items[0]?.lineId);
  // At rest the codes and the reason are sealed: the plain text is nowhere in the row.
  const row = (
    await h.db.query<{ codes_sealed: Buffer; reason_sealed: Buffer }>(
      'SELECT codes_sealed, reason_sealed FROM preauthorizations WHERE id = $1',
      [requested.preauthorizationId],
    )
  ).rows[0];
  assert.ok(row);
  assert.ok(!row.codes_sealed.includes(mri) && !row.reason_sealed.includes('knee'));
});

test('preauthorizations - a request repeated with its key answers the same and stores one', async () => {
  const billId = await openBill(await h.patient(planId));
  const request = { idempotencyKey: key(), billId, codes: [mri], requestedMinor: 1_000n, reason: '' };
  const first = await h.clinic.billing.requestPreauthorization(request);
  const again = await h.clinic.billing.requestPreauthorization(request);
  assert.deepEqual(again, first);
  const stored = await h.db.query('SELECT 1 FROM preauthorizations WHERE requested_on_bill = $1', [billId]);
  assert.equal(stored.rowCount, 1);
  assert.equal(
    await outcomeOf(h.clinic.billing.requestPreauthorization({ ...request, requestedMinor: 2_000n })),
    'already_exists:IDEMPOTENCY_KEY_REUSED',
  );
});

test('preauthorizations - without an approval (none, or still requested) the MRI is CO-197 and the patient is not billed', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 500_000n);
  assertDenied(await billMri(await openBill(patient)));
  const billId = await openBill(patient);
  const requested = await requestMri(billId);
  assertDenied(await billMri(billId));
  assert.equal(await stateOf(requested.preauthorizationId), PreauthorizationState.PREAUTHORIZATION_STATE_REQUESTED);
  assert.deepEqual(await h.account('resident', patient.residentId), { balance: 500_000n, held: 0n });
});

test('preauthorizations - a denied one reads back with its reason and is not used', async () => {
  const billId = await openBill(await h.patient(planId));
  const requested = await requestMri(billId);
  const { preauthorization: denied } = await h.insurerBilling.decidePreauthorization({
    idempotencyKey: key(),
    preauthorizationId: requested.preauthorizationId,
    decision: { $case: 'deny', value: { reason: 'conservative treatment first' } },
  });
  assert.deepEqual(
    [denied?.state, denied?.denialReason, denied?.approved],
    [PreauthorizationState.PREAUTHORIZATION_STATE_DENIED, 'conservative treatment first', undefined],
  );
  assertDenied(await billMri(billId));
  assert.equal(
    await outcomeOf(approve(requested.preauthorizationId)),
    'failed_precondition:PREAUTHORIZATION_STATE_INVALID',
  );
});

test('preauthorizations - the approved amount caps the allowed amount: the clinic writes the rest off (CO-198)', async () => {
  const billId = await openBill(await h.patient(planId));
  await approve((await requestMri(billId)).preauthorizationId, 100_000n);
  const bill = await billMri(billId);
  assert.deepEqual(adjustmentsOf(bill), ['CO-198:45000', 'PR-2:20000']);
  assert.equal(bill.items[0]?.result?.allowedMinor, 100_000n);
  assert.deepEqual([bill.writtenOffMinor, bill.patientMinor, bill.planMinor], [45_000n, 20_000n, 80_000n]);
});

test('preauthorizations - two bills racing for one approval: exactly one line consumes it, the other is a duplicate', async () => {
  const patient = await h.patient(planId);
  const first = await openBill(patient);
  const second = await openBill(patient);
  const approved = await approve((await requestMri(first)).preauthorizationId);
  const addMri = (billId: string) =>
    h.clinic.billing.addChargeItem({
      idempotencyKey: key(),
      billId,
      code: mri,
      serviceDate: '',
      quantity: 1,
      unitPriceMinor: mriFeeMinor,
      note: '',
    });
  await addMri(first);
  await addMri(second);
  const finalizes = [first, second].map((billId) => h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId }));
  // The first to finalize takes the approval; the second bills the same MRI to the patient that day again.
  const refused = (await Promise.all(finalizes.map((call) => outcomeOf(call)))).filter((outcome) => outcome !== 'OK');
  const bills = (await Promise.all(finalizes.map((call) => call.catch(() => ({ bill: undefined }))))).flatMap(
    ({ bill }) => (bill === undefined ? [] : [bill]),
  );
  const covered = bills.filter((bill) => bill.planMinor === 116_000n);
  assert.deepEqual([covered.length, refused], [1, ['failed_precondition:CLINIC_LINE_DUPLICATE_SAME_DAY']]);
  const { preauthorization } = await h.clinic.billing.getPreauthorization({
    preauthorizationId: approved.preauthorizationId,
  });
  assert.equal(preauthorization?.consumedByLineId, covered[0]?.items[0]?.lineId);
});

test('preauthorizations - a released one is not used and cannot be released again', async () => {
  const billId = await openBill(await h.patient(planId));
  const approved = await approve((await requestMri(billId)).preauthorizationId);
  const release = () =>
    h.clinic.billing.releasePreauthorization({
      idempotencyKey: key(),
      preauthorizationId: approved.preauthorizationId,
    });
  assert.equal((await release()).preauthorization?.state, PreauthorizationState.PREAUTHORIZATION_STATE_RELEASED);
  assert.equal(await outcomeOf(release()), 'failed_precondition:PREAUTHORIZATION_STATE_INVALID');
  assertDenied(await billMri(billId));
});

test('preauthorizations - past its expiry date one reads as expired (by health billing clock) and is not used', async () => {
  const patient = await h.patient(planId);
  const billId = await openBill(patient);
  const approved = await approve((await requestMri(billId)).preauthorizationId, mriFeeMinor, today);
  assert.equal(approved.state, PreauthorizationState.PREAUTHORIZATION_STATE_APPROVED);
  h.setClockOffset(dayMs);
  try {
    assert.equal(await stateOf(approved.preauthorizationId), PreauthorizationState.PREAUTHORIZATION_STATE_EXPIRED);
    assert.equal(
      await outcomeOf(
        h.clinic.billing.releasePreauthorization({
          idempotencyKey: key(),
          preauthorizationId: approved.preauthorizationId,
        }),
      ),
      'failed_precondition:PREAUTHORIZATION_STATE_INVALID',
    );
    assertDenied(await billMri(billId));
  } finally {
    h.setClockOffset(0);
  }
  const stored = await h.db.query<{ state: string }>('SELECT state FROM preauthorizations WHERE id = $1', [
    approved.preauthorizationId,
  ]);
  assert.equal(stored.rows[0]?.state, 'approved', 'expiry is computed at read, never written');
});

test('preauthorizations - a bill voided unpaid gives its approval back, and a later bill uses it', async () => {
  const patient = await h.patient(planId);
  const billId = await openBill(patient);
  const approved = await approve((await requestMri(billId)).preauthorizationId);
  const bill = await billMri(billId);
  assert.equal(bill.status, BillStatus.BILL_STATUS_AWAITING_PAYMENT);
  assert.equal(await stateOf(approved.preauthorizationId), PreauthorizationState.PREAUTHORIZATION_STATE_CONSUMED);
  const consumedBy = () => h.healthBilling.deps.store.preauthorizations.consumedBy(billId);
  assert.deepEqual(
    (await consumedBy()).map((each) => [each.preauthorizationId, each.consumedBy]),
    [[approved.preauthorizationId, bill.items[0]?.lineId]],
  );
  h.setClockOffset(31_000);
  try {
    await voidOverdue(h.healthBilling.deps);
  } finally {
    h.setClockOffset(0);
  }
  assert.equal((await h.clinic.billing.getBill({ billId })).bill?.status, BillStatus.BILL_STATUS_VOIDED);
  const { preauthorization: back } = await h.clinic.billing.getPreauthorization({
    preauthorizationId: approved.preauthorizationId,
  });
  assert.deepEqual([back?.state, back?.consumedByLineId], [PreauthorizationState.PREAUTHORIZATION_STATE_APPROVED, '']);
  assert.deepEqual(await consumedBy(), []);
  const again = await billMri(await openBill(patient));
  assert.equal(again.planMinor, 116_000n);
  assert.equal(await stateOf(approved.preauthorizationId), PreauthorizationState.PREAUTHORIZATION_STATE_CONSUMED);
});

test('preauthorizations - another clinic can neither ask on a bill it does not own, nor read, release, list or use one', async () => {
  const other = await h.addClinic('eastside-clinic');
  await putFees(other.name);
  const patient = await h.patient(planId);
  const billId = await openBill(patient);
  assert.equal(await outcomeOf(requestMri(billId, other)), 'not_found:BILL_NOT_FOUND');
  const approved = await approve((await requestMri(billId)).preauthorizationId);
  const id = approved.preauthorizationId;
  assert.equal(
    await outcomeOf(other.billing.getPreauthorization({ preauthorizationId: id })),
    'not_found:PREAUTHORIZATION_NOT_FOUND',
  );
  assert.equal(
    await outcomeOf(other.billing.releasePreauthorization({ idempotencyKey: key(), preauthorizationId: id })),
    'not_found:PREAUTHORIZATION_NOT_FOUND',
  );
  const listed = await other.billing.listPreauthorizations({ pageSize: 100, pageToken: '' });
  assert.ok(listed.preauthorizations.every((each) => each.clinic === other.name));
  // The same patient's MRI at the other clinic does not use the first clinic's approval.
  assertDenied(await billMri(await openBill(patient, other), other));
  assert.equal(await stateOf(id), PreauthorizationState.PREAUTHORIZATION_STATE_APPROVED);
});

test('preauthorizations - an insurer decides and reads only those addressed to it; a clinic cannot decide', async () => {
  const otherInsurer = await h.addInsurer('harbour-health');
  const requested = await requestMri(await openBill(await h.patient(planId)));
  const id = requested.preauthorizationId;
  const decide = (client: typeof otherInsurer) =>
    client.decidePreauthorization({
      idempotencyKey: key(),
      preauthorizationId: id,
      decision: { $case: 'approve', value: { approvedMinor: 1_000n, expiresOn: dateIn(1) } },
    });
  assert.equal(await outcomeOf(decide(otherInsurer)), 'not_found:PREAUTHORIZATION_NOT_FOUND');
  assert.equal(
    await outcomeOf(otherInsurer.getPreauthorization({ preauthorizationId: id })),
    'not_found:PREAUTHORIZATION_NOT_FOUND',
  );
  assert.deepEqual((await otherInsurer.listPreauthorizations({ pageSize: 0, pageToken: '' })).preauthorizations, []);
  assert.equal(await outcomeOf(decide(h.clinic.billing)), 'permission_denied:SCOPE_MISSING');
  assert.equal(await stateOf(id), PreauthorizationState.PREAUTHORIZATION_STATE_REQUESTED);
  const { preauthorization } = await h.insurerBilling.getPreauthorization({ preauthorizationId: id });
  assert.deepEqual([preauthorization?.codes, preauthorization?.clinic], [[mri], h.clinic.name]);
});

test('preauthorizations - bad input is refused with a stable reason and writes nothing', async () => {
  const billId = await openBill(await h.patient(planId));
  const requested = await requestMri(billId);
  const id = requested.preauthorizationId;
  const ask = (change: Record<string, unknown>) =>
    h.clinic.billing.requestPreauthorization({
      idempotencyKey: key(),
      billId,
      codes: [mri],
      requestedMinor: 1_000n,
      reason: '',
      ...change,
    });
  const decide = (decision: Parameters<typeof h.insurerBilling.decidePreauthorization>[0]['decision']) =>
    h.insurerBilling.decidePreauthorization({ idempotencyKey: key(), preauthorizationId: id, decision });
  const approveWith = (approvedMinor: bigint, expiresOn: string) =>
    decide({ $case: 'approve', value: { approvedMinor, expiresOn } });
  const before = await rowCounts();
  // Thunks: each call starts only when its turn comes (a rejection is awaited as soon as it happens).
  const cases: [() => Promise<unknown>, string][] = [
    [() => ask({ codes: ['ZZ-999'] }), 'not_found:CODE_UNKNOWN'],
    [() => ask({ codes: ['mri scan'] }), 'invalid_argument:CODE_INVALID'],
    [() => ask({ codes: [] }), 'invalid_argument:ENTRIES_INVALID'],
    [() => ask({ codes: [mri, mri] }), 'invalid_argument:CODE_DUPLICATE'],
    [() => ask({ requestedMinor: 0n }), 'invalid_argument:AMOUNT_INVALID'],
    [() => ask({ requestedMinor: -5n }), 'invalid_argument:AMOUNT_INVALID'],
    [() => ask({ requestedMinor: 1_000_000_000_001n }), 'invalid_argument:AMOUNT_INVALID'],
    [() => ask({ reason: 'x'.repeat(513) }), 'invalid_argument:TEXT_INVALID'],
    [() => ask({ billId: 'not-a-bill' }), 'invalid_argument:BILL_ID_INVALID'],
    [() => approveWith(0n, dateIn(1)), 'invalid_argument:AMOUNT_INVALID'],
    [() => approveWith(1_000_000_000_001n, dateIn(1)), 'invalid_argument:AMOUNT_INVALID'],
    [() => approveWith(1_000n, dateIn(-1)), 'invalid_argument:EXPIRY_DATE_INVALID'],
    [() => approveWith(1_000n, dateIn(400)), 'invalid_argument:EXPIRY_DATE_INVALID'],
    [() => approveWith(1_000n, '2026-02-30'), 'invalid_argument:EXPIRY_DATE_INVALID'],
    [() => decide(undefined), 'invalid_argument:PREAUTHORIZATION_DECISION_INVALID'],
    [() => decide({ $case: 'deny', value: { reason: '' } }), 'invalid_argument:PREAUTHORIZATION_DECISION_INVALID'],
    [
      () => h.clinic.billing.releasePreauthorization({ idempotencyKey: key(), preauthorizationId: id }),
      'failed_precondition:PREAUTHORIZATION_STATE_INVALID',
    ],
    [
      () => h.clinic.billing.getPreauthorization({ preauthorizationId: 'nope' }),
      'invalid_argument:PREAUTHORIZATION_ID_INVALID',
    ],
    [
      () => h.clinic.billing.getPreauthorization({ preauthorizationId: billId }),
      'not_found:PREAUTHORIZATION_NOT_FOUND',
    ],
    [
      () => h.clinic.billing.listPreauthorizations({ pageSize: 10, pageToken: 'forged' }),
      'invalid_argument:PAGE_TOKEN_INVALID',
    ],
  ];
  for (const [call, expected] of cases) assert.equal(await outcomeOf(call()), expected, expected);
  assert.deepEqual(await rowCounts(), before);
  // The edge of the valid: an approval expiring today and one 366 days ahead are accepted.
  assert.equal((await approveWith(1_000n, today)).preauthorization?.expiresOn, today);
  const second = await requestMri(billId);
  const { preauthorization: far } = await h.insurerBilling.decidePreauthorization({
    idempotencyKey: key(),
    preauthorizationId: second.preauthorizationId,
    decision: { $case: 'approve', value: { approvedMinor: 1n, expiresOn: dateIn(366) } },
  });
  assert.equal(far?.state, PreauthorizationState.PREAUTHORIZATION_STATE_APPROVED);
  // Decided once: deciding again is refused and changes nothing.
  assert.equal(
    await outcomeOf(decide({ $case: 'deny', value: { reason: 'changed our mind' } })),
    'failed_precondition:PREAUTHORIZATION_STATE_INVALID',
  );
  assert.equal(await stateOf(id), PreauthorizationState.PREAUTHORIZATION_STATE_APPROVED);
});

test('preauthorizations - lists page newest first, and every answer carrying codes is one audit entry', async () => {
  const clinic = await h.addClinic('northgate-clinic');
  const patient = await h.patient(planId);
  const billId = await openBill(patient, clinic);
  const ids: string[] = [];
  for (let index = 0; index < 5; index++) ids.push((await requestMri(billId, clinic)).preauthorizationId);
  const audited = async (): Promise<string[]> =>
    (
      await h.db.query<{ entry: string }>(
        `SELECT actor || ' ' || purpose || ' ' || subject AS entry FROM medical_audit
         WHERE action = 'preauthorization.read' AND resource = ANY($1) ORDER BY id`,
        [ids],
      )
    ).rows.map((row) => row.entry);
  const asClinic = `clinic:${clinic.name} treatment ${patient.residentId}`;
  assert.deepEqual(await audited(), Array(5).fill(asClinic), 'each request answered with its codes');

  const listed: string[] = [];
  let pageToken = '';
  for (;;) {
    const page = await clinic.billing.listPreauthorizations({ pageSize: 2, pageToken });
    listed.push(...page.preauthorizations.map((each) => each.preauthorizationId));
    if (page.nextPageToken === '') break;
    pageToken = page.nextPageToken;
  }
  assert.deepEqual(listed, [...ids].reverse());
  assert.equal((await audited()).length, 10, 'one entry per pre-authorization listed');

  await h.insurerBilling.getPreauthorization({ preauthorizationId: ids[0] as string });
  await approve(ids[1] as string);
  const entries = await audited();
  assert.equal(entries.length, 12);
  assert.deepEqual(entries.slice(10), Array(2).fill(`insurer:${h.insurer} payment ${patient.residentId}`));
  const insurerList = await h.insurerBilling.listPreauthorizations({ pageSize: 100, pageToken: '' });
  assert.ok(ids.every((id) => insurerList.preauthorizations.some((each) => each.preauthorizationId === id)));
});

test('preauthorizations - a clinic holds at most 100 open ones per patient: the next is LIST_TOO_LONG until one closes', async () => {
  const clinic = await h.addClinic('westbank-clinic');
  const billId = await openBill(await h.patient(planId), clinic);
  const first = await requestMri(billId, clinic);
  // 99 more open ones, copied in SQL (their sealed codes are never opened here).
  await h.db.query(
    `INSERT INTO preauthorizations (id, patient_id, clinic, insurer, requested_on_bill, codes_sealed, currency,
                                    requested_minor, state, requested_at)
     SELECT gen_random_uuid(), patient_id, clinic, insurer, requested_on_bill, codes_sealed, currency,
            requested_minor, state, requested_at
     FROM preauthorizations, generate_series(1, 99) WHERE id = $1`,
    [first.preauthorizationId],
  );
  const before = await rowCounts();
  assert.equal(await outcomeOf(requestMri(billId, clinic)), 'failed_precondition:LIST_TOO_LONG');
  assert.deepEqual(await rowCounts(), before);
  await h.insurerBilling.decidePreauthorization({
    idempotencyKey: key(),
    preauthorizationId: first.preauthorizationId,
    decision: { $case: 'deny', value: { reason: 'not needed' } },
  });
  assert.equal((await requestMri(billId, clinic)).state, PreauthorizationState.PREAUTHORIZATION_STATE_REQUESTED);
});

test('preauthorizations - a correction keeps the approval with its line: re-priced it stays covered, cancelled it is given back', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 1_000_000n);
  const billId = await openBill(patient);
  const requested = await requestMri(billId);
  await approve(requested.preauthorizationId);
  const finalized = await billMri(billId);
  const mriLine = finalized.items[0]?.lineId ?? '';
  const { bill: paid } = await h.clinic.billing.payBill({
    idempotencyKey: key(),
    billId,
    presentation: patient.present(h.clinic.name),
  });
  assert.equal(paid?.status, BillStatus.BILL_STATUS_PAID);

  // Re-priced down after payment: adjudicated again with the approval it used, so still covered (not CO-197).
  const { bill: repriced, correction } = await h.clinic.billing.correctBill({
    idempotencyKey: key(),
    billId,
    cancelLineIds: [],
    reprices: [{ lineId: mriLine, billedMinor: 100_000n }],
    reason: 'contrast was not used',
  });
  assert.deepEqual(adjustmentsOf(repriced as Bill), ['PR-2:20000']);
  assert.deepEqual([repriced?.patientMinor, repriced?.planMinor], [20_000n, 80_000n]);
  assert.deepEqual([correction?.patientRefundMinor, correction?.planRefundMinor], [9_000n, 36_000n]);
  const kept = (await h.clinic.billing.getPreauthorization({ preauthorizationId: requested.preauthorizationId }))
    .preauthorization;
  assert.equal(kept?.state, PreauthorizationState.PREAUTHORIZATION_STATE_CONSUMED);
  assert.equal(kept.consumedByLineId, mriLine);

  // The MRI cancelled: the bill is reversed and the approval is the clinic's again, used by the next bill.
  await h.clinic.billing.correctBill({
    idempotencyKey: key(),
    billId,
    cancelLineIds: [mriLine],
    reprices: [],
    reason: 'the scan was not done',
  });
  assert.equal(await stateOf(requested.preauthorizationId), PreauthorizationState.PREAUTHORIZATION_STATE_APPROVED);
  const next = await billMri(await openBill(patient));
  assert.deepEqual(adjustmentsOf(next), ['PR-2:29000']);
  assert.equal(await stateOf(requested.preauthorizationId), PreauthorizationState.PREAUTHORIZATION_STATE_CONSUMED);
});
