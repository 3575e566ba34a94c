// The clinic peers check at finalize, against real identity, wallet, PostgreSQL and NATS: a clinic whose lines of a
// code over the last 30 days are far above the other clinics' (median and robust spread) has its bill finalized
// and flagged for review, with the rule, its version and the figures, never the code; the clinic and the insurer
// read the flag, the patient and the bus do not. Too few peers, or a clinic at its peers' level, is not flagged.
// Each finalize counts its lines under a keyed digest of the code, which hashing the code without the key does not
// find. A void or a replacement takes the voided lines back out, so a bill and its replacement count as one bill.
// The peers' history is put into clinic_code_days directly (hundreds of finalized bills otherwise).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { BillStatus } from '@citypass/proto/health_billing/v1/health_billing';
import { migrate } from '@citypass/platform/pg';
import { serviceDateOf } from '../src/app/service_date.ts';
import { migrationsDir } from '../src/store/schema.ts';
import { startHealthBillingHarness, type HealthBillingHarness } from './harness.ts';
import { codeDigest, finalizedBill, key, planId, putPeerHistory, putVisitCatalogue } from './visit_setup.ts';

let h: HealthBillingHarness;
let gpDigest: Buffer;

before(async () => {
  h = await startHealthBillingHarness();
  await putVisitCatalogue(h, [h.clinic.name]);
  await h.fundInsurer(10_000_000n);
  gpDigest = codeDigest(h, 'GP-101');
});

after(async () => {
  await h.stop();
});

/** GP consultations billed yesterday, per clinic (and nothing else). */
const history = (lines: Record<string, number>): Promise<void> => putPeerHistory(h, 'GP-101', lines);

const fivePeers = { 'peer-a': 30, 'peer-b': 30, 'peer-c': 31, 'peer-d': 32, 'peer-e': 33 };

async function gpBill() {
  const patient = await h.patient(planId);
  await h.topUp(patient, 100_000n);
  return finalizedBill(h.clinic, patient, [
    { code: 'LB-402', unitPriceMinor: 3_000n },
    { code: 'GP-101', unitPriceMinor: 5_000n },
  ]);
}

test('clinic peers - a clinic far above its peers for a code is flagged for review, not refused, with no medical detail', async () => {
  await history({ ...fivePeers, [h.clinic.name]: 199 });
  const bill = await gpBill();
  assert.equal(bill.status, BillStatus.BILL_STATUS_AWAITING_PAYMENT, 'flagged, not refused: it may be a specialist');
  const flag = {
    rule: 'CLINIC_CODE_ABOVE_PEERS',
    ruleVersion: 1,
    lineIndex: 1,
    windowDays: 30,
    clinicLines: 200,
    peers: 5,
    peersMedian: 31,
    threshold: 93,
  };
  assert.deepEqual(bill.reviewFlags, [flag]);
  const { bill: read } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.deepEqual(read?.reviewFlags, [flag], 'the clinic reads it');
  const { claims } = await h.insurerBilling.listClaims({
    pageSize: 100,
    pageToken: '',
    fromDate: '',
    toDate: '',
    clinic: '',
  });
  assert.deepEqual(claims.find((claim) => claim.billId === bill.billId)?.reviewFlags, [flag], 'the insurer reads it');
  const stored = await h.db.query<{ review_flags: unknown }>('SELECT review_flags FROM bills WHERE id = $1', [
    bill.billId,
  ]);
  const events = await h.db.query<{ payload: Buffer }>('SELECT payload FROM outbox');
  for (const text of [JSON.stringify(stored.rows[0]?.review_flags), JSON.stringify(bill.reviewFlags)])
    assert.doesNotMatch(text, /GP-101|consultation/i, 'no code in the flag: a medical detail');
  assert.ok(
    events.rows.every((event) => !event.payload.includes('CLINIC_CODE_ABOVE_PEERS')),
    'the bus carries no flag',
  );
});

test("clinic peers - each finalize counts its lines under the code's keyed digest, which a bare hash does not find", async () => {
  await history({});
  const bill = await gpBill();
  assert.deepEqual(bill.reviewFlags, [], 'no peers yet: nothing judged');
  const counted = await h.db.query<{ code_digest: Buffer; clinic: string; day: string; lines: number }>(
    "SELECT code_digest, clinic, to_char(day, 'YYYY-MM-DD') AS day, lines FROM clinic_code_days WHERE code_digest = $1",
    [gpDigest],
  );
  assert.deepEqual(counted.rows, [
    { code_digest: gpDigest, clinic: h.clinic.name, day: serviceDateOf(Date.now()), lines: 1 },
  ]);
  const lines = await h.db.query<{ code_digest: Buffer | null }>(
    'SELECT code_digest FROM bill_lines WHERE bill_id = $1 ORDER BY seq',
    [bill.billId],
  );
  assert.equal(lines.rows.length, 2);
  assert.deepEqual(lines.rows[1]?.code_digest, gpDigest);
  assert.ok(lines.rows.every((line) => line.code_digest?.length === 16));
  const bare = createHash('sha256').update('GP-101').digest();
  assert.ok(!bare.subarray(0, 16).equals(gpDigest) && !bare.includes(gpDigest), 'hashing the catalogue finds nothing');
});

test('clinic peers - below the minimum peer count a clinic is not judged, however many lines it bills', async () => {
  const { 'peer-e': _fifth, ...fourPeers } = fivePeers;
  await history({ ...fourPeers, [h.clinic.name]: 199 });
  const bill = await gpBill();
  assert.deepEqual(bill.reviewFlags, []);
});

test('clinic peers - the limits are set by HEALTH_BILLING_PEER_*: with a minimum of four peers, four judge', async () => {
  const configured = await startHealthBillingHarness({}, { HEALTH_BILLING_PEER_MINIMUM_PEERS: '4' });
  try {
    await putVisitCatalogue(configured, [configured.clinic.name]);
    const { 'peer-e': _fifth, ...fourPeers } = fivePeers;
    await putPeerHistory(configured, 'GP-101', { ...fourPeers, [configured.clinic.name]: 199 });
    const patient = await configured.patient(planId);
    await configured.topUp(patient, 100_000n);
    const bill = await finalizedBill(configured.clinic, patient);
    assert.deepEqual(
      bill.reviewFlags.map((flag) => [flag.rule, flag.peers, flag.clinicLines]),
      [['CLINIC_CODE_ABOVE_PEERS', 4, 200]],
    );
  } finally {
    await configured.stop();
  }
});

test("clinic peers - a clinic at its peers' level is not flagged", async () => {
  await history({ ...fivePeers, [h.clinic.name]: 30 });
  const bill = await gpBill();
  assert.deepEqual(bill.reviewFlags, []);
  const { bill: read } = await h.clinic.billing.getBill({ billId: bill.billId });
  assert.deepEqual(read?.reviewFlags, []);
});

/** This clinic's lines counted today, by code. */
async function countedToday(): Promise<Record<string, number>> {
  const names = new Map([gpDigest, codeDigest(h, 'LB-402')].map((digest, index) => [digest.toString('hex'), index]));
  const rows = await h.db.query<{ code_digest: Buffer; lines: number }>(
    'SELECT code_digest, lines FROM clinic_code_days WHERE clinic = $1 AND day = $2',
    [h.clinic.name, serviceDateOf(Date.now())],
  );
  const counted: Record<string, number> = {};
  for (const row of rows.rows)
    counted[names.get(row.code_digest.toString('hex')) === 0 ? 'GP-101' : 'LB-402'] = row.lines;
  return counted;
}

test("clinic peers - a void and a replacement take the voided lines back out: the counts are one bill's", async () => {
  await history({});
  const patient = await h.patient(planId);
  await h.topUp(patient, 100_000n);
  const lines = [
    { code: 'LB-402', unitPriceMinor: 3_000n },
    { code: 'GP-101', unitPriceMinor: 5_000n },
  ] as const;
  const oneBill = { 'GP-101': 1, 'LB-402': 1 };
  // Finalized, then voided unpaid: nothing left counted.
  const unpaid = await finalizedBill(h.clinic, patient, lines);
  assert.deepEqual(await countedToday(), oneBill);
  await h.clinic.billing.voidBill({ idempotencyKey: key(), billId: unpaid.billId, reason: 'wrong patient' });
  assert.deepEqual(await countedToday(), {});
  // Paid, replaced, and the replacement finalized with the same lines: one bill's lines, not two.
  const first = await finalizedBill(h.clinic, patient, lines);
  const { bill: paid } = await h.clinic.billing.payBill({
    idempotencyKey: key(),
    billId: first.billId,
    presentation: patient.present(h.clinic.name),
  });
  assert.equal(paid?.status, BillStatus.BILL_STATUS_PAID);
  const { replacement } = await h.clinic.billing.replaceBill({
    idempotencyKey: key(),
    billId: first.billId,
    reason: 'wrong codes',
  });
  assert.ok(replacement);
  assert.deepEqual(await countedToday(), {}, 'the replaced bill is taken back in the replacing transaction');
  for (const line of lines)
    await h.clinic.billing.addChargeItem({
      idempotencyKey: key(),
      billId: replacement.billId,
      code: line.code,
      serviceDate: '',
      quantity: 1,
      unitPriceMinor: line.unitPriceMinor,
      note: '',
    });
  await h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: replacement.billId });
  assert.deepEqual(await countedToday(), oneBill);
});

test('clinic peers - migration 8 rebuilds counts a void left behind before the take-back: the live bills only', async () => {
  await history({});
  // The earlier tests' bills as if finalized before migration 7 (no digest): neither counted nor rebuilt.
  await h.db.query('UPDATE bill_lines SET code_digest = NULL');
  const lines = [
    { code: 'LB-402', unitPriceMinor: 3_000n },
    { code: 'GP-101', unitPriceMinor: 5_000n },
  ] as const;
  const patient = await h.patient(planId);
  await h.topUp(patient, 100_000n);
  const voided = await finalizedBill(h.clinic, patient, lines);
  await h.clinic.billing.voidBill({ idempotencyKey: key(), billId: voided.billId, reason: 'wrong patient' });
  await finalizedBill(h.clinic, patient, lines);
  assert.deepEqual(await countedToday(), { 'GP-101': 1, 'LB-402': 1 });
  // As a database counted before the take-back has it: the voided bill's lines still in.
  await h.db.query('UPDATE clinic_code_days SET lines = lines + 1 WHERE clinic = $1', [h.clinic.name]);
  await h.db.query("DELETE FROM schema_migrations WHERE name = '8-clinic-peers-voids.sql'");
  assert.deepEqual(await migrate(h.db, migrationsDir), ['8-clinic-peers-voids.sql']);
  assert.deepEqual(await countedToday(), { 'GP-101': 1, 'LB-402': 1 });
});
