// Worked examples a reviewer can check by hand against the sample plan (sample.ts): adults pay a 60.00 specialist
// copay; imaging and lab go toward the 1,000.00 deductible, then 20 % coinsurance; the out-of-pocket maximum is
// 3,000.00. Amounts are EUR cents in code and euros in comments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjudicateBill, estimateBill } from './adjudicate.ts';
import type { BillAdjudication, LineAdjudication } from './adjudication.ts';
import {
  accumulators,
  adjustmentsOf,
  approvedPreauthorization,
  billInput,
  euros,
  lines,
  planWith,
  sharesOf,
} from './testing/fixtures.ts';

function planWithImagingThreshold(thresholdMinor: bigint) {
  return planWith((version) => {
    const imaging = version.categories.imaging;
    assert.ok(imaging !== undefined);
    return {
      ...version,
      categories: { ...version.categories, imaging: { ...imaging, preauthorizationAboveMinor: thresholdMinor } },
    };
  });
}

const lineAt = (bill: BillAdjudication, index: number): LineAdjudication => {
  const result = bill.lines[index];
  assert.ok(result !== undefined, `line ${index}`);
  return result;
};

// The issue's example. The member has met 200.00 of the 1,000.00 deductible and 450.00 of the 3,000.00
// out-of-pocket maximum. The clinic bills a specialist consultation (SP-201, fee schedule 120.00), an MRI
// (IM-303, fee 1,450.00, which needs the pre-authorization the member has: approved up to 1,450.00) and a lab
// panel (LB-401, fee 130.00):
//   SP-201 billed   160.00: clinic 160 - 120 = 40.00 (CO-45); copay 60.00 (PR-3), no deductible, no coinsurance
//                           for specialists; plan 120 - 60 = 60.00.
//   IM-303 billed 1,700.00: clinic 1,700 - 1,450 = 250.00 (CO-45); deductible: 800.00 still open (PR-1);
//                           coinsurance 20 % of 1,450 - 800 = 650 is 130.00 (PR-2); plan 1,450 - 930 = 520.00.
//   LB-401 billed   180.00: clinic 50.00 (CO-45); deductible met; coinsurance 20 % of 130 = 26.00 (PR-2);
//                           plan 104.00.
// Bill: billed 160 + 1,700 + 180 = 2,040.00; clinic 40 + 250 + 50 = 340.00; patient 60 + 930 + 26 = 1,016.00;
// plan 60 + 520 + 104 = 684.00; 340 + 1,016 + 684 = 2,040. Out-of-pocket 450 + 1,016 = 1,466.00 < 3,000.00.
const issueLines = lines([
  ['SP-201', 16_000n],
  ['IM-303', 170_000n],
  ['LB-401', 18_000n],
]);
const mriPreauthorization = approvedPreauthorization('pa-mri', ['IM-303'], 145_000n);
const issueUsed = accumulators({ deductibleMetMinor: 20_000n, outOfPocketMetMinor: 45_000n });

test('adjudication - the issue example: 2,040.00 billed = clinic 340.00 + patient 1,016.00 + plan 684.00', () => {
  const bill = adjudicateBill(billInput(issueLines, { used: issueUsed, preauthorizations: [mriPreauthorization] }));
  assert.equal(sharesOf(bill), 'billed 2,040.00 = clinic 340.00 + patient 1,016.00 + plan 684.00');
  assert.deepEqual(bill.lines.map(sharesOf), [
    'billed 160.00 = clinic 40.00 + patient 60.00 + plan 60.00',
    'billed 1,700.00 = clinic 250.00 + patient 930.00 + plan 520.00',
    'billed 180.00 = clinic 50.00 + patient 26.00 + plan 104.00',
  ]);
  assert.deepEqual(bill.lines.map(adjustmentsOf), [
    ['CO-45 40.00', 'PR-3 60.00'],
    ['CO-45 250.00', 'PR-1 800.00', 'PR-2 130.00'],
    ['CO-45 50.00', 'PR-2 26.00'],
  ]);
  assert.deepEqual(
    bill.lines.map((result) => [result.outcome, euros(result.allowedMinor), result.preauthorizationId ?? '-']),
    [
      ['covered', '120.00', '-'],
      ['covered', '1,450.00', 'pa-mri'],
      ['covered', '130.00', '-'],
    ],
  );
  assert.deepEqual(bill.consumedPreauthorizationIds, ['pa-mri']);
  const after = bill.accumulatorsAfter;
  assert.equal(euros(after.deductibleMetMinor), '1,000.00');
  assert.equal(euros(after.outOfPocketMetMinor), '1,466.00');
  assert.deepEqual(
    [after.visitsByCategory.specialist, after.visitsByCategory.imaging, after.visitsByCategory.lab],
    [1, 1, 1],
  );
  assert.deepEqual(
    [
      after.planPaidByCategoryMinor.specialist,
      after.planPaidByCategoryMinor.imaging,
      after.planPaidByCategoryMinor.lab,
    ],
    [6_000n, 52_000n, 10_400n],
  );
  assert.deepEqual(lineAt(bill, 1).contribution, {
    planYear: 2025,
    category: 'imaging',
    deductibleMinor: 80_000n,
    outOfPocketMinor: 93_000n,
    visits: 1,
    planPaidMinor: 52_000n,
  });
});

// The same bill for a senior: specialist copay 30.00, imaging and lab coinsurance 10 %, out-of-pocket maximum
// 1,500.00 (not reached: 450 + 908 = 1,358).
//   SP-201: copay 30.00, plan 90.00.  IM-303: deductible 800.00 + 10 % of 650 = 65.00, plan 585.00.
//   LB-401: 10 % of 130 = 13.00, plan 117.00.  Patient 30 + 865 + 13 = 908.00; plan 90 + 585 + 117 = 792.00.
test('adjudication - a senior pays the override copay and coinsurance: 908.00 instead of 1,016.00', () => {
  const bill = adjudicateBill(
    billInput(issueLines, { concession: 'senior', used: issueUsed, preauthorizations: [mriPreauthorization] }),
  );
  assert.equal(sharesOf(bill), 'billed 2,040.00 = clinic 340.00 + patient 908.00 + plan 792.00');
  assert.deepEqual(bill.lines.map(adjustmentsOf), [
    ['CO-45 40.00', 'PR-3 30.00'],
    ['CO-45 250.00', 'PR-1 800.00', 'PR-2 65.00'],
    ['CO-45 50.00', 'PR-2 13.00'],
  ]);
});

// A senior's lower out-of-pocket maximum (1,500.00) binds where an adult's does not: with 1,400.00 met, an
// emergency visit (ER-801, 350.00; senior copay 75.00, then the deductible) costs the senior only the 100.00
// left, as copay 75.00 + deductible 25.00; the adult pays copay 150.00 + deductible 200.00 = 350.00.
test('adjudication - the senior out-of-pocket maximum override binds before the adult one', () => {
  const used = accumulators({ outOfPocketMetMinor: 140_000n });
  const senior = adjudicateBill(billInput(lines([['ER-801', 35_000n]]), { concession: 'senior', used }));
  const adult = adjudicateBill(billInput(lines([['ER-801', 35_000n]]), { used }));
  assert.deepEqual(adjustmentsOf(lineAt(senior, 0)), ['PR-3 75.00', 'PR-1 25.00']);
  assert.equal(euros(senior.accumulatorsAfter.outOfPocketMetMinor), '1,500.00');
  assert.deepEqual(adjustmentsOf(lineAt(adult, 0)), ['PR-3 150.00', 'PR-1 200.00']);
});

// Out-of-pocket maximum reached mid-line: 800.00 of the deductible met (200.00 open), 2,700.00 of the 3,000.00
// maximum met (300.00 open). The MRI (allowed 1,450.00) would cost deductible 200.00 + 20 % of 1,250 = 250.00,
// 450.00 in all; only 300.00 is open, so the member pays the deductible 200.00 and 100.00 of the coinsurance, and
// the plan 1,450 - 300 = 1,150.00. The lab panel after it costs the member nothing: plan 130.00.
test('adjudication - the out-of-pocket maximum is reached mid-line; after it the plan pays everything', () => {
  const used = accumulators({ deductibleMetMinor: 80_000n, outOfPocketMetMinor: 270_000n });
  const bill = adjudicateBill(
    billInput(
      lines([
        ['IM-303', 145_000n],
        ['LB-401', 13_000n],
      ]),
      { used, preauthorizations: [mriPreauthorization] },
    ),
  );
  assert.deepEqual(bill.lines.map(adjustmentsOf), [['PR-1 200.00', 'PR-2 100.00'], []]);
  assert.deepEqual(bill.lines.map(sharesOf), [
    'billed 1,450.00 = clinic 0.00 + patient 300.00 + plan 1,150.00',
    'billed 130.00 = clinic 0.00 + patient 0.00 + plan 130.00',
  ]);
  assert.equal(euros(bill.accumulatorsAfter.outOfPocketMetMinor), '3,000.00');
  assert.equal(euros(bill.accumulatorsAfter.deductibleMetMinor), '1,000.00');
});

// Physiotherapy: 12 visits a year, copay 15.00, the plan pays the rest of the 55.00. With 11 used, the first
// session is the 12th (member 15.00, plan 40.00); the second is past the limit: the member pays 55.00 (PR-119),
// the plan nothing, and it does not count as a visit.
test('adjudication - past the yearly visit limit the member pays the allowed amount (PR-119)', () => {
  const used = accumulators({ visits: { physio: 11 } });
  const bill = adjudicateBill(
    billInput(
      lines([
        ['PT-601', 5_500n, '2025-03-10'],
        ['PT-601', 5_500n, '2025-03-17'],
      ]),
      { used },
    ),
  );
  assert.deepEqual(
    bill.lines.map((result) => [result.outcome, ...adjustmentsOf(result)]),
    [
      ['covered', 'PR-3 15.00'],
      ['visit_limit_reached', 'PR-119 55.00'],
    ],
  );
  assert.deepEqual(
    bill.lines.map((result) => result.contribution.visits),
    [1, 0],
  );
  assert.equal(bill.accumulatorsAfter.visitsByCategory.physio, 12);
  assert.equal(sharesOf(bill), 'billed 110.00 = clinic 0.00 + patient 70.00 + plan 40.00');
});

// Mental health: copay 25.00, the plan pays at most 1,500.00 a year. With 1,450.00 paid, a 95.00 session would
// cost the plan 70.00 but only 50.00 is left: the member pays 25.00 + 20.00 (PR-119). The next session: plan
// nothing, member 25.00 + 70.00. Only the copays count toward the out-of-pocket maximum.
test('adjudication - past the category plan-paid cap the member pays the rest (PR-119)', () => {
  const used = accumulators({ planPaidMinor: { mental_health: 145_000n } });
  const bill = adjudicateBill(
    billInput(
      lines([
        ['MH-901', 9_500n, '2025-03-10'],
        ['MH-901', 9_500n, '2025-03-17'],
      ]),
      { used },
    ),
  );
  assert.deepEqual(bill.lines.map(adjustmentsOf), [
    ['PR-3 25.00', 'PR-119 20.00'],
    ['PR-3 25.00', 'PR-119 70.00'],
  ]);
  assert.deepEqual(
    bill.lines.map((result) => euros(result.planShareMinor)),
    ['50.00', '0.00'],
  );
  assert.equal(euros(bill.accumulatorsAfter.planPaidByCategoryMinor.mental_health), '1,500.00');
  assert.equal(euros(bill.accumulatorsAfter.outOfPocketMetMinor), '50.00');
});

// Not covered: the member pays the allowed amount (PR-96), the plan nothing, the clinic still writes off what it
// billed above its fee schedule (CO-45), and nothing counts toward the deductible or out-of-pocket maximum.
//   DN-1001 dental check-up, 60.00: dental is not in the plan.
//   PV-703 travel vaccination billed 40.00, fee 35.00: an excluded code; clinic 5.00, member 35.00.
//   GP-101 on 2025-01-20, before the coverage starts on 2025-02-01: member 45.00.
test('adjudication - not covered: category outside the plan, excluded code, no coverage on the date (PR-96)', () => {
  const bill = adjudicateBill(
    billInput(
      lines([
        ['DN-1001', 6_000n, '2025-03-10'],
        ['PV-703', 4_000n, '2025-03-10'],
        ['GP-101', 4_500n, '2025-01-20'],
      ]),
      { startsOn: '2025-02-01' },
    ),
  );
  assert.deepEqual(
    bill.lines.map((result) => [result.outcome, ...adjustmentsOf(result)]),
    [
      ['category_not_covered', 'PR-96 60.00'],
      ['code_excluded', 'CO-45 5.00', 'PR-96 35.00'],
      ['coverage_inactive', 'PR-96 45.00'],
    ],
  );
  assert.equal(sharesOf(bill), 'billed 145.00 = clinic 5.00 + patient 140.00 + plan 0.00');
  assert.deepEqual(bill.accumulatorsAfter, accumulators());
  assert.deepEqual(
    bill.lines.map((result) => result.planVersion),
    [1, 1, undefined],
  );
});

// A CT (IM-304) needs a pre-authorization; without one the clinic writes off the whole 700.00 it billed (CO-197,
// not CO-45 + CO-197) and neither the member nor the plan pays. The MRI pre-authorization does not match its code.
test('adjudication - without a required pre-authorization the clinic writes the billed amount off (CO-197)', () => {
  const bill = adjudicateBill(billInput(lines([['IM-304', 70_000n]]), { preauthorizations: [mriPreauthorization] }));
  const ct = lineAt(bill, 0);
  assert.equal(ct.outcome, 'preauthorization_missing');
  assert.deepEqual(adjustmentsOf(ct), ['CO-197 700.00']);
  assert.equal(sharesOf(ct), 'billed 700.00 = clinic 700.00 + patient 0.00 + plan 0.00');
  assert.deepEqual(bill.consumedPreauthorizationIds, []);
  assert.deepEqual(bill.accumulatorsAfter, accumulators());
});

test('adjudication - expired, denied, another member’s or already consumed pre-authorizations do not count', () => {
  const mriLine = lines([['IM-303', 145_000n, '2025-07-01']]);
  const outcome = (preauthorization: typeof mriPreauthorization): string =>
    lineAt(adjudicateBill(billInput(mriLine, { preauthorizations: [preauthorization] })), 0).outcome;
  assert.equal(outcome(mriPreauthorization), 'preauthorization_missing', 'expired on 2025-06-30');
  const valid = { ...mriPreauthorization, expiresOn: '2025-07-01' };
  assert.equal(outcome(valid), 'covered', 'the expiry date itself is covered');
  assert.equal(outcome({ ...valid, state: 'denied' }), 'preauthorization_missing');
  assert.equal(outcome({ ...valid, state: 'consumed' }), 'preauthorization_missing');
  assert.equal(outcome({ ...valid, state: 'requested' }), 'preauthorization_missing');
  assert.equal(outcome({ ...valid, memberId: 'member-2' }), 'preauthorization_missing');
});

// One pre-authorization, two MRI lines: the first consumes it, the second has none left (CO-197). With a second
// pre-authorization both are covered, the one expiring first used first.
test('adjudication - a pre-authorization is consumed once; of several, the one expiring first is used', () => {
  const twoMris = lines([
    ['IM-303', 145_000n, '2025-03-10'],
    ['IM-303', 145_000n, '2025-03-24'],
  ]);
  const single = adjudicateBill(billInput(twoMris, { preauthorizations: [mriPreauthorization] }));
  assert.deepEqual(
    single.lines.map((result) => [result.outcome, result.preauthorizationId]),
    [
      ['covered', 'pa-mri'],
      ['preauthorization_missing', undefined],
    ],
  );
  const later = approvedPreauthorization('pa-later', ['IM-303', 'IM-304'], 145_000n, '2025-12-31');
  const both = adjudicateBill(billInput(twoMris, { preauthorizations: [later, mriPreauthorization] }));
  assert.deepEqual(both.consumedPreauthorizationIds, ['pa-mri', 'pa-later']);
});

// Approved up to 1,200.00: the MRI billed 1,700.00 is allowed 1,450.00 by the fee schedule (CO-45 250.00) and cut
// to the approval (CO-198 250.00); the member pays deductible 1,000.00 + 20 % of 200 = 40.00, the plan 160.00.
test('adjudication - an allowed amount above the pre-authorization is cut to it, the rest written off (CO-198)', () => {
  const approved = approvedPreauthorization('pa-mri', ['IM-303'], 120_000n);
  const bill = adjudicateBill(billInput(lines([['IM-303', 170_000n]]), { preauthorizations: [approved] }));
  assert.deepEqual(adjustmentsOf(lineAt(bill, 0)), ['CO-45 250.00', 'CO-198 250.00', 'PR-1 1,000.00', 'PR-2 40.00']);
  assert.equal(sharesOf(bill), 'billed 1,700.00 = clinic 500.00 + patient 1,040.00 + plan 160.00');
});

// Imaging above 500.00 allowed needs a pre-authorization even for codes not listed: the 600.00 CT is listed anyway,
// so here the threshold is lowered to 100.00 for the 110.00 ultrasound (IM-302). Billed 100.00 it is not above
// the threshold and needs none.
test('adjudication - a line whose allowed amount is above the category threshold needs a pre-authorization', () => {
  const plan = planWithImagingThreshold(10_000n);
  const outcomeFor = (billed: bigint): string =>
    lineAt(adjudicateBill(billInput(lines([['IM-302', billed]]), { plan })), 0).outcome;
  assert.equal(outcomeFor(11_000n), 'preauthorization_missing');
  assert.equal(outcomeFor(10_001n), 'preauthorization_missing');
  assert.equal(outcomeFor(10_000n), 'covered');
});

test('adjudication - an estimate gives the claim’s numbers and consumes nothing', () => {
  const input = billInput(issueLines, { used: issueUsed, preauthorizations: [mriPreauthorization] });
  const claim = adjudicateBill(input);
  const estimate = estimateBill(input);
  assert.equal(estimate.kind, 'estimate');
  assert.deepEqual(estimate.consumedPreauthorizationIds, []);
  assert.deepEqual(estimate.lines, claim.lines);
  assert.equal(sharesOf(estimate), sharesOf(claim));
  assert.deepEqual(estimate.accumulatorsAfter, claim.accumulatorsAfter);
  assert.deepEqual(input.accumulators, issueUsed, 'the input is not modified');
});
