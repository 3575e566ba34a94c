import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chargeItemResource, invoiceResource } from './fhir_billing.ts';
import { bundleResource } from './fhir_bundle.ts';
import { claimResource, claimResponseResource, coverageResource, explanationOfBenefitResource } from './fhir.ts';
import type { FhirLine, FhirResource, FhirSource } from './fhir_input.ts';
import { fhirJson } from './fhir_json.ts';
import { decimalOfMinor } from './fhir_money.ts';
import { fhirSchemaErrors } from './testing/fhir_validator.ts';

// The worked example, to check by hand. Plan: GP visits 10.00 copay then 20 % coinsurance; lab under a deductible
// of 50.00 not yet met. The clinic's fee schedule allows 45.00 for GP-101 and 12.50 per unit of LB-402.
//   line 1 GP-101 x1 at 50.00: billed 50.00, allowed 45.00 -> CO-45 5.00 written off; PR-3 copay 10.00; PR-2
//          coinsurance 20 % of 35.00 = 7.00; the plan pays 28.00. 5.00 + 17.00 + 28.00 = 50.00.
//   line 2 LB-402 x2 at 15.00: billed 30.00, allowed 25.00 -> CO-45 5.00; PR-1 deductible 25.00; the plan pays 0.
//          5.00 + 25.00 + 0.00 = 30.00.
//   totals: submitted 80.00, eligible 70.00, CO 10.00, PR 42.00, benefit 28.00, member liability 42.00;
//           80.00 = 10.00 written off + 42.00 patient + 28.00 plan.
const gp: FhirLine = {
  lineId: '6f1c2d3e-0000-4000-8000-000000000001',
  seq: 1,
  code: 'GP-101',
  category: 'gp_visit',
  serviceDate: '2026-12-01',
  quantity: 1,
  unitPriceMinor: 5_000n,
  billedMinor: 5_000n,
  outcome: {
    allowedMinor: 4_500n,
    writtenOffMinor: 500n,
    patientMinor: 1_700n,
    planMinor: 2_800n,
    adjustments: [
      { group: 'CO', reasonCode: '45', amountMinor: 500n },
      { group: 'PR', reasonCode: '3', amountMinor: 1_000n },
      { group: 'PR', reasonCode: '2', amountMinor: 700n },
    ],
  },
};
const lab: FhirLine = {
  lineId: '6f1c2d3e-0000-4000-8000-000000000002',
  seq: 2,
  code: 'LB-402',
  category: 'lab',
  serviceDate: '2026-12-01',
  quantity: 2,
  unitPriceMinor: 1_500n,
  billedMinor: 3_000n,
  outcome: {
    allowedMinor: 2_500n,
    writtenOffMinor: 500n,
    patientMinor: 2_500n,
    planMinor: 0n,
    adjustments: [
      { group: 'CO', reasonCode: '45', amountMinor: 500n },
      { group: 'PR', reasonCode: '1', amountMinor: 2_500n },
    ],
  },
};

const source = (overrides: Partial<FhirSource['bill']> = {}): FhirSource => ({
  bill: {
    billId: '0b6e2f6a-1111-4222-8333-444455556666',
    clinic: 'riverside-clinic',
    insurer: 'city-health-fund',
    currency: 'EUR',
    status: 'paid',
    createdAtMs: Date.UTC(2026, 11, 1, 9, 30),
    lines: [gp, lab],
    ...overrides,
  },
  plan: { planId: 'aurelia-basic', version: 3, effectiveFrom: '2026-01-01' },
  member: { patientId: '9d0b9a52-7e0c-4f43-9a43-2b1f0f6b7c55' },
  baseUrl: 'https://health-billing.city.example/fhir',
});

interface Money {
  value: number;
  currency: string;
}
interface Entry {
  category: { coding: { system: string; code: string }[] };
  reason?: { coding: { code: string; display?: string }[] };
  amount: Money;
}
/** "code amount" for each adjudication entry, with the CARC reason where there is one. */
const entries = (adjudication: Entry[]): string[] =>
  adjudication.map((entry) =>
    [entry.category.coding[0]?.code, entry.reason?.coding[0]?.code, entry.amount.value]
      .filter((part) => part !== undefined)
      .join(' '),
  );

const parsed = (resource: FhirResource): Record<string, unknown> => JSON.parse(fhirJson(resource)) as never;

test('fhir money - minor units become the exact decimal of the currency, never through a float', () => {
  assert.deepEqual(
    [
      decimalOfMinor(0n, 'EUR'),
      decimalOfMinor(5n, 'EUR'),
      decimalOfMinor(1_250n, 'EUR'),
      decimalOfMinor(1_250n, 'JPY'),
      decimalOfMinor(7n, 'BHD'),
      decimalOfMinor(123_456n, 'BHD'),
      decimalOfMinor(999_999_999_999_999_999n, 'EUR'),
    ].map((decimal) => decimal.text),
    ['0.00', '0.05', '12.50', '1250', '0.007', '123.456', '9999999999999999.99'],
  );
  assert.throws(() => decimalOfMinor(1n, 'XXX'), /no ISO 4217 exponent/);
  // Written into the JSON as numbers, digit for digit: 12.50 stays 12.50 (a float would print 12.5), and an amount
  // beyond a double's precision is not rounded.
  const json = fhirJson({
    resourceType: 'Basic',
    a: decimalOfMinor(1_250n, 'EUR'),
    b: decimalOfMinor(999_999_999_999_999_999n, 'EUR'),
  });
  assert.equal(json, '{"resourceType":"Basic","a":12.50,"b":9999999999999999.99}');
});

test('fhir claim response - the worked example: each line adjudicated with its CARC codes, totals the sums of the lines', () => {
  const response = parsed(claimResponseResource(source())) as {
    item: { itemSequence: number; adjudication: Entry[] }[];
    total: Entry[];
    payment: { amount: Money };
    patient: unknown;
  };
  assert.deepEqual(
    response.item.map((item) => [item.itemSequence, entries(item.adjudication)]),
    [
      [1, ['submitted 50', 'eligible 45', 'CO 45 5', 'PR 3 10', 'PR 2 7', 'benefit 28', 'memberliability 17']],
      [2, ['submitted 30', 'eligible 25', 'CO 45 5', 'PR 1 25', 'benefit 0', 'memberliability 25']],
    ],
  );
  assert.deepEqual(entries(response.total), [
    'submitted 80',
    'eligible 70',
    'CO 10',
    'PR 42',
    'benefit 28',
    'memberliability 42',
  ]);
  const json = fhirJson(claimResponseResource(source()));
  assert.match(json, /"amount":\{"value":80\.00,"currency":"EUR"\}/);
  assert.match(json, /"amount":\{"value":0\.00,"currency":"EUR"\}/);
  assert.match(
    json,
    /"system":"https:\/\/x12.org\/codes\/claim-adjustment-reason-codes","code":"45","display":"Charge exceeds fee schedule\/maximum allowable"/,
  );
  // billed = written off + patient + plan, in the totals as on each line.
  const total = (code: string) => response.total.find((entry) => entry.category.coding[0]?.code === code)?.amount.value;
  assert.equal((total('CO') ?? 0) + (total('memberliability') ?? 0) + (total('benefit') ?? 0), total('submitted'));
  assert.deepEqual(response.payment.amount, { value: 28, currency: 'EUR' });
  assert.deepEqual(response.patient, { reference: 'Patient/9d0b9a52-7e0c-4f43-9a43-2b1f0f6b7c55' });
});

test('fhir claim, invoice and charge items - prices and totals are the sums of the lines', () => {
  const claim = parsed(claimResource(source())) as {
    item: { net: Money; unitPrice: Money; quantity: { value: number } }[];
    total: Money;
  };
  assert.deepEqual(
    claim.item.map((item) => [item.quantity.value, item.unitPrice.value, item.net.value]),
    [
      [1, 50, 50],
      [2, 15, 30],
    ],
  );
  assert.deepEqual(claim.total, { value: 80, currency: 'EUR' });
  const invoice = parsed(invoiceResource(source())) as { status: string; totalGross: Money; totalNet: Money };
  assert.deepEqual([invoice.status, invoice.totalGross.value, invoice.totalNet.value], ['balanced', 80, 70]);
  const charge = parsed(chargeItemResource(source(), lab)) as {
    status: string;
    priceOverride: Money;
    quantity: { value: number };
  };
  assert.deepEqual([charge.status, charge.quantity.value, charge.priceOverride.value], ['billed', 2, 15]);
});

test('fhir - the patient is a reference only: no name, birth date or other identifier anywhere', () => {
  const json = fhirJson(bundleResource(source(), Date.UTC(2026, 11, 2)));
  assert.doesNotMatch(json, /"resourceType":"Patient"|"given"|"family"|"birthDate"|"telecom"|"address"|"identifier"/);
  assert.deepEqual(
    [...json.matchAll(/"Patient\/[^"]*"/g)].map((match) => match[0]),
    Array(7).fill('"Patient/9d0b9a52-7e0c-4f43-9a43-2b1f0f6b7c55"'),
  );
});

test('fhir - every resource and the bundle are valid FHIR R4 (the official JSON schema), for every bill status', () => {
  for (const status of ['open', 'awaiting_payment', 'paying', 'paid', 'voided'] as const) {
    const bill = status === 'open' ? source({ status, lines: [{ ...gp, outcome: undefined }] }) : source({ status });
    const resources = [
      coverageResource(bill),
      claimResource(bill),
      invoiceResource(bill),
      chargeItemResource(bill, gp),
      bundleResource(bill, Date.UTC(2026, 11, 2)),
      ...(status === 'open' ? [] : [claimResponseResource(bill), explanationOfBenefitResource(bill)]),
    ];
    for (const resource of resources)
      assert.deepEqual(fhirSchemaErrors(fhirJson(resource)), [], `${status} ${resource.resourceType}`);
  }
  // The schema does catch a broken resource (it is not vacuously empty): an unknown field, a missing required one, a
  // decimal written as a string. (It checks structure and types; the codes of bound value sets it leaves to a
  // terminology check, as HL7's JSON schema does.)
  assert.notDeepEqual(fhirSchemaErrors(fhirJson({ ...claimResource(source()), colour: 'blue' })), []);
  assert.notDeepEqual(fhirSchemaErrors(fhirJson({ ...coverageResource(source()), payor: undefined })), []);
  const stringMoney = fhirJson(claimResource(source())).replace('"total":{"value":80.00', '"total":{"value":"80.00"');
  assert.notDeepEqual(fhirSchemaErrors(stringMoney), []);
});

test('fhir bundle - an adjudicated bill has all seven kinds, an open one no ClaimResponse or ExplanationOfBenefit', () => {
  const kinds = (resource: FhirResource) =>
    (parsed(resource) as { entry: { fullUrl: string; resource: { resourceType: string } }[] }).entry.map(
      (entry) =>
        `${entry.resource.resourceType} ${entry.fullUrl.replace('https://health-billing.city.example/fhir/', '')}`,
    );
  assert.deepEqual(kinds(bundleResource(source(), 0)), [
    `Coverage Coverage/0b6e2f6a-1111-4222-8333-444455556666`,
    `Claim Claim/0b6e2f6a-1111-4222-8333-444455556666`,
    `ClaimResponse ClaimResponse/0b6e2f6a-1111-4222-8333-444455556666`,
    `ExplanationOfBenefit ExplanationOfBenefit/0b6e2f6a-1111-4222-8333-444455556666`,
    `Invoice Invoice/0b6e2f6a-1111-4222-8333-444455556666`,
    `ChargeItem ChargeItem/${gp.lineId}`,
    `ChargeItem ChargeItem/${lab.lineId}`,
  ]);
  assert.deepEqual(
    kinds(bundleResource(source({ status: 'open', lines: [{ ...gp, outcome: undefined }] }), 0)).map(
      (kind) => kind.split(' ')[0],
    ),
    ['Coverage', 'Claim', 'Invoice', 'ChargeItem'],
  );
});
