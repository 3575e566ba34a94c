// What insurers and residents read, against real identity, wallet, PostgreSQL and NATS: an insurer's claims in
// pages (never another insurer's), its daily settlement equal to the wallet's movements, a resident's bills and
// explanation of benefits read with a fresh presentation addressed to health-billing (replayed, misaddressed or
// another resident's: refused), FHIR R4 export to the clinic, the insurer and the patient only, each resource valid
// against HL7's R4 JSON schema; and an audit entry for every read of medical data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { outcomeOf } from '@citypass/platform/testing';
import {
  type Bill,
  BillStatus,
  FhirResourceType,
  HealthBillingServiceService,
} from '@citypass/proto/health_billing/v1/health_billing';
import { fhirSchemaErrors } from '../src/domain/testing/fhir_validator.ts';
import { sweepPresentations } from '../src/workers/presentation_sweeper.ts';
import {
  startHealthBillingHarness,
  type HealthBillingClient,
  type HealthBillingHarness,
  type Patient,
} from './harness.ts';
import { setUpGpAndLab, yesterday } from './gp_and_lab.ts';

const planId = 'views-basic';
const today = new Date().toISOString().slice(0, 10);
const key = (): string => randomBytes(8).toString('hex');
let h: HealthBillingHarness;
/** No token: residents authenticate with a presentation in metadata. */
let anonymous: HealthBillingClient;
let otherInsurer: HealthBillingClient;

const presenting = (presentation: string): { metadata: Metadata } => {
  const metadata = new Metadata();
  metadata.set('citypass-presentation', presentation);
  return { metadata };
};

before(async () => {
  h = await startHealthBillingHarness();
  const address = `127.0.0.1:${h.healthBilling.grpcPort}`;
  anonymous = promiseClient(HealthBillingServiceService, address);
  const north = await h.wallet.service('north-insurer', ['insure:north-insurer']);
  const token = await h.wallet.identity.clientCredentialsToken(
    north.name,
    north.clientSecret,
    'urn:citypass:health-billing',
    'insure:north-insurer',
  );
  const accessToken = ((await token.json()) as { access_token: string }).access_token;
  otherInsurer = promiseClient(HealthBillingServiceService, address, { metadata: () => bearer(accessToken) });
  await setUpGpAndLab(h, planId);
  await h.fundInsurer(1_000_000n);
});

after(async () => {
  anonymous.close();
  otherInsurer.close();
  await h.stop();
});

/**
 * A bill with a GP visit and a lab panel served on `serviceDate` (default today), adjudicated, and paid unless `pay` is
 * false. A clinic bills the patient these codes once a day (a second bill that day is CLINIC_LINE_DUPLICATE_SAME_DAY).
 */
async function billFor(
  patient: Patient,
  options: { pay?: boolean; clinic?: typeof h.clinic; serviceDate?: string } = {},
): Promise<Bill> {
  const clinic = options.clinic ?? h.clinic;
  const { bill: opened } = await clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(clinic.name),
    plannedCodes: [],
  });
  assert.ok(opened);
  for (const [code, unitPriceMinor] of [
    ['GP-101', 5_000n],
    ['LB-402', 3_000n],
  ] as const)
    await clinic.billing.addChargeItem({
      idempotencyKey: key(),
      billId: opened.billId,
      code,
      serviceDate: options.serviceDate ?? '',
      quantity: 1,
      unitPriceMinor,
      note: 'seen for a cough',
    });
  const { bill } = await clinic.billing.finalizeBill({ idempotencyKey: key(), billId: opened.billId });
  assert.ok(bill);
  if (options.pay === false) return bill;
  await h.topUp(patient, bill.patientMinor);
  const { bill: paid } = await clinic.billing.payBill({
    idempotencyKey: key(),
    billId: bill.billId,
    presentation: patient.present(clinic.name),
  });
  assert.ok(paid);
  assert.equal(paid.status, BillStatus.BILL_STATUS_PAID);
  return paid;
}

const auditOf = async (billId: string): Promise<string[]> =>
  (
    await h.db.query<{ actor: string; action: string; purpose: string }>(
      'SELECT actor, action, purpose FROM medical_audit WHERE resource = $1 ORDER BY id',
      [billId],
    )
  ).rows.map((row) => `${row.actor} ${row.action} ${row.purpose}`);

test('claims - the insurer pages through its adjudicated bills, newest first, each listed once and audited', async () => {
  const patient = await h.patient(planId);
  // Three patients: one clinic bills one patient these codes once a day.
  const bills = [
    await billFor(patient),
    await billFor(await h.patient(planId), { pay: false }),
    await billFor(await h.patient(planId)),
  ];
  const open = await h.clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(h.clinic.name),
    plannedCodes: [],
  });
  const seen: string[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const page = await h.insurerBilling.listClaims({
      pageSize: 2,
      pageToken,
      fromDate: today,
      toDate: today,
      clinic: h.clinic.name,
    });
    assert.ok(page.claims.length <= 2);
    seen.push(...page.claims.map((claim) => claim.billId));
    for (const claim of page.claims) {
      assert.equal(claim.billedMinor, claim.writtenOffMinor + claim.patientMinor + claim.planMinor);
      assert.equal(
        claim.planMinor,
        claim.lines.reduce((sum, line) => sum + line.planMinor, 0n),
      );
      assert.equal(claim.lines.length, 2);
    }
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== '' && pages < 50);
  assert.equal(new Set(seen).size, seen.length, 'no claim on two pages');
  // Newest first; the bill still open (not adjudicated) is no claim.
  const mine = seen.filter((id) => bills.some((bill) => bill.billId === id));
  assert.deepEqual(mine, bills.map((bill) => bill.billId).reverse());
  assert.ok(!seen.includes(open.bill?.billId ?? ''));
  assert.ok((await auditOf(bills[0]?.billId ?? '')).includes(`insurer:${h.insurer} bill.read payment`));

  // Another insurer sees none of them; filters that exclude them exclude them.
  const others = await otherInsurer.listClaims({ pageSize: 100, pageToken: '', fromDate: '', toDate: '', clinic: '' });
  assert.deepEqual(others.claims, []);
  const elsewhere = await h.insurerBilling.listClaims({
    pageSize: 100,
    pageToken: '',
    fromDate: '',
    toDate: '',
    clinic: 'no-such-clinic',
  });
  assert.deepEqual(elsewhere.claims, []);
  const list = (request: { pageToken?: string; fromDate?: string; toDate?: string }) =>
    h.insurerBilling.listClaims({ pageSize: 0, pageToken: '', fromDate: '', toDate: '', clinic: '', ...request });
  assert.equal(await outcomeOf(list({ pageToken: 'bm90LWEtdG9rZW4' })), 'invalid_argument:PAGE_TOKEN_INVALID');
  assert.equal(await outcomeOf(list({ fromDate: today, toDate: yesterday })), 'invalid_argument:DATE_RANGE_INVALID');
  assert.equal(await outcomeOf(list({ fromDate: '2026-02-30' })), 'invalid_argument:DATE_INVALID');
  assert.equal(
    await outcomeOf(h.clinic.billing.listClaims({ pageSize: 0, pageToken: '', fromDate: '', toDate: '', clinic: '' })),
    'permission_denied:SCOPE_MISSING',
  );
});

test("settlement - one day's report per clinic equals the plan's captures in the wallet's ledger that day", async () => {
  const patient = await h.patient(planId);
  const other = await h.addClinic('eastside-clinic');
  await h.operator.putFeeSchedule({
    idempotencyKey: key(),
    clinic: other.name,
    currency: 'EUR',
    entries: [
      { code: 'GP-101', allowedMinor: 4_000n },
      { code: 'LB-402', allowedMinor: 2_000n },
    ],
  });
  await billFor(patient);
  await billFor(patient, { clinic: other });
  await billFor(await h.patient(planId), { pay: false });
  const { lines, date } = await h.insurerBilling.getSettlementReport({ date: today });
  assert.equal(date, today);
  const ledger = await h.wallet.db.query<{ clinic: string; captures: string; amount: string }>(
    `SELECT c.owner AS clinic, count(*) AS captures, sum(t.amount_minor) AS amount
       FROM transfers t JOIN accounts d ON d.id = t.debit_account_id JOIN accounts c ON c.id = t.credit_account_id
      WHERE t.kind = 'capture' AND d.kind = 'payer' AND d.owner = $1
        AND t.created_at >= $2::date AND t.created_at < $2::date + 1
      GROUP BY c.owner ORDER BY c.owner`,
    [h.insurer, today],
  );
  assert.ok(lines.length >= 2);
  assert.deepEqual(
    lines.map((line) => [line.clinic, line.currency, line.planPaidMinor, line.planRefundedMinor, line.netMinor]),
    ledger.rows.map((row) => [row.clinic, 'EUR', BigInt(row.amount), 0n, BigInt(row.amount)]),
  );
  // Every bill paid today is counted (a bill whose plan share is 0 moves nothing in the wallet: >=).
  for (const line of lines)
    assert.ok(line.paidBills >= Number(ledger.rows.find((row) => row.clinic === line.clinic)?.captures));
  assert.deepEqual((await otherInsurer.getSettlementReport({ date: today })).lines, []);
  assert.deepEqual((await h.insurerBilling.getSettlementReport({ date: '2000-01-01' })).lines, []);
  assert.equal(
    await outcomeOf(h.insurerBilling.getSettlementReport({ date: 'today' })),
    'invalid_argument:DATE_INVALID',
  );
});

test('resident - reads their bills and explanation of benefits with fresh presentations, each read audited', async () => {
  const patient = await h.patient(planId);
  const stranger = await h.patient(planId);
  const first = await billFor(patient);
  const second = await billFor(patient, { pay: false, serviceDate: yesterday });
  await billFor(stranger);
  const { bills, nextPageToken } = await anonymous.listMyBills(
    { pageSize: 1, pageToken: '' },
    presenting(patient.present('health-billing')),
  );
  assert.deepEqual(
    bills.map((bill) => bill.billId),
    [second.billId],
  );
  assert.deepEqual(
    bills[0]?.items.map((item) => [item.code, item.note]),
    [
      ['GP-101', 'seen for a cough'],
      ['LB-402', 'seen for a cough'],
    ],
  );
  const rest = await anonymous.listMyBills(
    { pageSize: 10, pageToken: nextPageToken },
    presenting(patient.present('health-billing')),
  );
  assert.deepEqual(
    rest.bills.map((bill) => bill.billId),
    [first.billId],
  );
  assert.equal(rest.nextPageToken, '');

  const eob = await anonymous.getExplanationOfBenefit(
    { billId: first.billId },
    presenting(patient.present('health-billing')),
  );
  assert.equal(eob.bill?.planMinor, first.planMinor);
  const adjusted = eob.adjustments.reduce((sum, adjustment) => sum + adjustment.amountMinor, 0n);
  assert.equal(adjusted, first.writtenOffMinor + first.patientMinor, 'every amount the plan did not pay is explained');
  assert.ok(eob.adjustments.every((adjustment) => adjustment.description !== ''));
  assert.deepEqual(await auditOf(first.billId), [
    `clinic:${h.clinic.name} bill.read treatment`,
    `clinic:${h.clinic.name} bill.read treatment`,
    `clinic:${h.clinic.name} bill.read payment`,
    `clinic:${h.clinic.name} bill.read payment`,
    `resident:${patient.residentId} bill.read patient_access`,
    `resident:${patient.residentId} eob.read patient_access`,
  ]);
});

test("resident - a replayed presentation, one addressed elsewhere, none, or reading another resident's bill is refused; nothing is read", async () => {
  const patient = await h.patient(planId);
  const stranger = await h.patient(planId);
  const bill = await billFor(patient);
  const before = (await auditOf(bill.billId)).length;
  const presentation = patient.present('health-billing');
  await anonymous.listMyBills({ pageSize: 0, pageToken: '' }, presenting(presentation));
  assert.equal(
    await outcomeOf(anonymous.getExplanationOfBenefit({ billId: bill.billId }, presenting(presentation))),
    'unauthenticated:PRESENTATION_REPLAYED',
  );
  assert.equal(
    await outcomeOf(anonymous.listMyBills({ pageSize: 0, pageToken: '' }, presenting(presentation))),
    'unauthenticated:PRESENTATION_REPLAYED',
  );
  assert.equal(
    await outcomeOf(
      anonymous.getExplanationOfBenefit({ billId: bill.billId }, presenting(patient.present(h.clinic.name))),
    ),
    'unauthenticated:AUDIENCE_MISMATCH',
  );
  assert.equal(
    await outcomeOf(anonymous.listMyBills({ pageSize: 0, pageToken: '' })),
    'unauthenticated:PRESENTATION_MISSING',
  );
  assert.equal(
    await outcomeOf(
      anonymous.getExplanationOfBenefit({ billId: bill.billId }, presenting(stranger.present('health-billing'))),
    ),
    'not_found:BILL_NOT_FOUND',
  );
  assert.equal(
    await outcomeOf(
      anonymous.exportFhir(
        { billId: bill.billId, resourceType: FhirResourceType.FHIR_RESOURCE_TYPE_BUNDLE, lineId: '' },
        presenting(stranger.present('health-billing')),
      ),
    ),
    'not_found:BILL_NOT_FOUND',
  );
  // The same presentation twice at once: the database lets exactly one through.
  const twice = patient.present('health-billing');
  const outcomes = await Promise.all(
    [1, 2].map(() => outcomeOf(anonymous.listMyBills({ pageSize: 0, pageToken: '' }, presenting(twice)))),
  );
  assert.deepEqual(outcomes.sort(), ['OK', 'unauthenticated:PRESENTATION_REPLAYED']);
  // Only the two lists that were let through read the bill; the refusals read nothing.
  assert.deepEqual(
    (await auditOf(bill.billId)).slice(before),
    Array(2).fill(`resident:${patient.residentId} bill.read patient_access`),
  );
  // Used presentations are forgotten once they could not be accepted anyway.
  const kept = async () =>
    Number((await h.db.query<{ n: string }>('SELECT count(*) AS n FROM resident_presentations')).rows[0]?.n);
  assert.ok((await kept()) >= 1);
  assert.ok((await sweepPresentations(h.healthBilling.deps.store, Date.now() + 5 * 60_000)) >= 1);
  assert.equal(await kept(), 0);
});

test('fhir export - the clinic, the insurer and the patient export valid FHIR R4; another clinic or insurer cannot', async () => {
  const patient = await h.patient(planId);
  const bill = await billFor(patient);
  const kinds = [
    FhirResourceType.FHIR_RESOURCE_TYPE_COVERAGE,
    FhirResourceType.FHIR_RESOURCE_TYPE_CLAIM,
    FhirResourceType.FHIR_RESOURCE_TYPE_CLAIM_RESPONSE,
    FhirResourceType.FHIR_RESOURCE_TYPE_EXPLANATION_OF_BENEFIT,
    FhirResourceType.FHIR_RESOURCE_TYPE_INVOICE,
    FhirResourceType.FHIR_RESOURCE_TYPE_CHARGE_ITEM,
    FhirResourceType.FHIR_RESOURCE_TYPE_BUNDLE,
  ];
  const lineId = bill.items[0]?.lineId ?? '';
  for (const resourceType of kinds) {
    const { resourceJson } = await h.clinic.billing.exportFhir({ billId: bill.billId, resourceType, lineId });
    assert.deepEqual(fhirSchemaErrors(resourceJson), [], `resource type ${resourceType}`);
  }
  const fromInsurer = await h.insurerBilling.exportFhir({
    billId: bill.billId,
    resourceType: FhirResourceType.FHIR_RESOURCE_TYPE_CLAIM_RESPONSE,
    lineId: '',
  });
  const response = JSON.parse(fromInsurer.resourceJson) as {
    resourceType: string;
    patient: unknown;
    total: { category: { coding: { code: string }[] }; amount: { value: number } }[];
  };
  assert.equal(response.resourceType, 'ClaimResponse');
  assert.deepEqual(response.patient, { reference: `Patient/${patient.residentId}` });
  const total = (code: string) => response.total.find((entry) => entry.category.coding[0]?.code === code)?.amount.value;
  assert.equal(total('benefit'), Number(bill.planMinor) / 100);
  assert.match(fromInsurer.resourceJson, new RegExp(`"value":${(Number(bill.planMinor) / 100).toFixed(2)},`));
  const bundle = await anonymous.exportFhir(
    { billId: bill.billId, resourceType: FhirResourceType.FHIR_RESOURCE_TYPE_BUNDLE, lineId: '' },
    presenting(patient.present('health-billing')),
  );
  assert.deepEqual(fhirSchemaErrors(bundle.resourceJson), []);
  assert.equal((JSON.parse(bundle.resourceJson) as { entry: unknown[] }).entry.length, 7);

  const other = await h.addClinic('northside-clinic');
  const request = { billId: bill.billId, resourceType: FhirResourceType.FHIR_RESOURCE_TYPE_CLAIM, lineId: '' };
  assert.equal(await outcomeOf(other.billing.exportFhir(request)), 'not_found:BILL_NOT_FOUND');
  assert.equal(await outcomeOf(otherInsurer.exportFhir(request)), 'not_found:BILL_NOT_FOUND');
  assert.equal(await outcomeOf(anonymous.exportFhir(request)), 'unauthenticated:TOKEN_MISSING');
  assert.equal(await outcomeOf(h.operator.exportFhir(request)), 'permission_denied:SCOPE_MISSING');
  assert.equal(
    await outcomeOf(
      h.clinic.billing.exportFhir({ ...request, resourceType: FhirResourceType.FHIR_RESOURCE_TYPE_UNSPECIFIED }),
    ),
    'invalid_argument:FHIR_RESOURCE_TYPE_INVALID',
  );
  assert.equal(
    await outcomeOf(
      h.clinic.billing.exportFhir({ ...request, resourceType: FhirResourceType.FHIR_RESOURCE_TYPE_CHARGE_ITEM }),
    ),
    'not_found:LINE_NOT_FOUND',
  );
  const { bill: open } = await h.clinic.billing.checkIn({
    idempotencyKey: key(),
    presentation: patient.present(h.clinic.name),
    plannedCodes: [],
  });
  assert.equal(
    await outcomeOf(
      h.clinic.billing.exportFhir({
        billId: open?.billId ?? '',
        resourceType: FhirResourceType.FHIR_RESOURCE_TYPE_EXPLANATION_OF_BENEFIT,
        lineId: '',
      }),
    ),
    'failed_precondition:BILL_NOT_ADJUDICATED',
  );
  // One audit entry per export, by whom and why; the refusals read nothing.
  const exports = (await auditOf(bill.billId)).filter((entry) => entry.includes('fhir.export'));
  assert.deepEqual(exports, [
    ...kinds.map(() => `clinic:${h.clinic.name} fhir.export payment`),
    `insurer:${h.insurer} fhir.export payment`,
    `resident:${patient.residentId} fhir.export patient_access`,
  ]);
});

test("settlement - a correction's plan refund is reported on its day, and paid minus refunded equals the ledger's net", async () => {
  const patient = await h.patient(planId);
  const clinic = await h.addClinic('refund-clinic');
  await h.operator.putFeeSchedule({
    idempotencyKey: key(),
    clinic: clinic.name,
    currency: 'EUR',
    entries: [
      { code: 'GP-101', allowedMinor: 4_500n },
      { code: 'LB-402', allowedMinor: 2_500n },
    ],
  });
  const paid = await billFor(patient, { clinic });
  const gpLine = paid.items.find((item) => item.code === 'GP-101')?.lineId ?? '';
  const { correction } = await clinic.billing.correctBill({
    idempotencyKey: key(),
    billId: paid.billId,
    cancelLineIds: [gpLine],
    reprices: [],
    reason: 'the consultation was billed twice',
  });
  assert.ok(correction !== undefined && correction.planRefundMinor > 0n);
  const line = (await h.insurerBilling.getSettlementReport({ date: today })).lines.find(
    (each) => each.clinic === clinic.name,
  );
  const ledger = (
    await h.wallet.db.query<{ kind: string; amount: string }>(
      `SELECT t.kind, sum(t.amount_minor) AS amount
         FROM transfers t JOIN accounts d ON d.id = t.debit_account_id JOIN accounts c ON c.id = t.credit_account_id
        WHERE ((t.kind = 'capture' AND d.kind = 'payer' AND d.owner = $1 AND c.owner = $2)
            OR (t.kind = 'refund' AND c.kind = 'payer' AND c.owner = $1 AND d.owner = $2))
          AND t.created_at >= $3::date AND t.created_at < $3::date + 1
        GROUP BY t.kind ORDER BY t.kind`,
      [h.insurer, clinic.name, today],
    )
  ).rows.map((row) => [row.kind, BigInt(row.amount)]);
  assert.deepEqual(ledger, [
    ['capture', paid.planMinor],
    ['refund', correction.planRefundMinor],
  ]);
  assert.deepEqual(
    [line?.paidBills, line?.planPaidMinor, line?.planRefundedMinor, line?.netMinor],
    [1, paid.planMinor, correction.planRefundMinor, paid.planMinor - correction.planRefundMinor],
  );
});
