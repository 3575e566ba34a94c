// Crash test: health billing runs as its own process and is killed (SIGKILL) after the wallet has put the bill's
// split hold on and before the capture has posted. Deterministically: the test holds a row lock on the clinic's
// merchant account, which authorizing does not need and capturing does (it credits the clinic), so the capture waits
// in the wallet; health billing is killed while it waits, and the waiting capture is ended (its connection
// terminated, as a database failover does) so nothing of it posts. Restarted, health billing finishes the payment
// with the same wallet keys: the bill ends fully paid or fully voided, the wallet's two legs agree with it, and the
// ledger reconciles.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { outcomeOf } from '@citypass/platform/testing';
import { BillStatus } from '@citypass/proto/health_billing/v1/health_billing';
import { reconciliationReport } from '../../wallet/src/app/reconciliation_report.ts';
import { ledgerBooks } from '../../wallet/src/store/reconciliation.ts';
import { waitFor } from '../../wallet/test/harness.ts';
import { startHealthBillingProcessHarness, type HealthBillingProcessHarness } from './harness.ts';
import { finalizedBill, key, planId, putVisitCatalogue } from './visit_setup.ts';

let h: HealthBillingProcessHarness;

before(async () => {
  h = await startHealthBillingProcessHarness({
    HEALTH_BILLING_SWEEP_MS: '100',
    // The interrupted payment is the sweeper's to finish soon after the restart (the default waits 30 s).
    HEALTH_BILLING_PAYMENT_STALLED_MS: '1500',
  });
  await putVisitCatalogue(h, [h.clinic.name]);
  await h.runAsProcess();
});

after(async () => {
  await h.stop();
});

interface HoldRow {
  id: string;
  status: string;
  amount_minor: string;
  captured_minor: string;
  payer_amount_minor: string;
  payer_captured_minor: string;
}

const holdsOf = async (billId: string): Promise<HoldRow[]> =>
  (
    await h.wallet.db.query<HoldRow>(
      `SELECT id, status, amount_minor, captured_minor, payer_amount_minor, payer_captured_minor
         FROM holds WHERE reference = $1`,
      [billId],
    )
  ).rows;

const billStatus = async (billId: string): Promise<string | undefined> =>
  (await h.db.query<{ status: string }>('SELECT status FROM bills WHERE id = $1', [billId])).rows[0]?.status;

test('crash - killed between the hold and its capture: after the restart the bill is wholly paid or wholly voided, both legs agree, the ledger reconciles', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 50_000n);
  const bill = await finalizedBill(h.clinic, patient);
  assert.ok(bill.patientMinor > 0n && bill.planMinor > 0n, 'a split bill: both legs move money');
  const before = {
    resident: await h.account('resident', patient.residentId),
    payer: await h.account('payer', h.insurer),
    clinic: await h.account('merchant', h.clinic.name),
  };
  assert.ok(before.clinic, "the clinic's merchant account exists");

  const locker = await h.wallet.db.connect();
  let blockedPid: number | undefined;
  try {
    await locker.query('BEGIN');
    // NO KEY UPDATE: the hold's foreign key to the account (authorize) still goes through; a balance update waits.
    await locker.query(
      "SELECT id FROM accounts WHERE kind = 'merchant' AND owner = $1 AND currency = 'EUR' FOR NO KEY UPDATE",
      [h.clinic.name],
    );
    const paying = outcomeOf(
      h.clinic.billing.payBill({
        idempotencyKey: key(),
        billId: bill.billId,
        presentation: patient.present(h.clinic.name),
      }),
    );
    await waitFor(async () => {
      const waiting = await h.wallet.db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      blockedPid = waiting.rows[0]?.pid;
      return blockedPid !== undefined;
    }, "the bill's capture waiting in the wallet");
    const [held] = await holdsOf(bill.billId);
    assert.equal(held?.status, 'pending', 'the hold is on, its capture not posted');
    assert.equal(await billStatus(bill.billId), 'paying');

    await h.kill();
    assert.match(await paying, /UNAVAILABLE/, 'the desk learns the payment is not confirmed');
    await h.wallet.db.query('SELECT pg_terminate_backend($1)', [blockedPid]);
  } finally {
    await locker.query('ROLLBACK');
    locker.release();
  }
  const [afterCrash, ...others] = await holdsOf(bill.billId);
  assert.equal(others.length, 0);
  assert.equal(afterCrash?.status, 'pending', 'nothing of the capture posted before the restart');
  assert.deepEqual(await h.account('resident', patient.residentId), {
    balance: 50_000n,
    held: bill.patientMinor,
  });

  await h.runAsProcess();
  await waitFor(
    async () => ['paid', 'voided'].includes((await billStatus(bill.billId)) ?? ''),
    'the interrupted payment finished after the restart',
    20_000,
  );
  const { bill: read } = await h.clinic.billing.getBill({ billId: bill.billId });
  const holds = await holdsOf(bill.billId);
  assert.equal(holds.length, 1, 'the restart repeated the same wallet keys: still one hold');
  const [hold] = holds;
  const resident = await h.account('resident', patient.residentId);
  const payer = await h.account('payer', h.insurer);
  const clinic = await h.account('merchant', h.clinic.name);
  if (read?.status === BillStatus.BILL_STATUS_PAID) {
    assert.equal(read.holdId, hold?.id);
    assert.equal(hold?.status, 'captured');
    assert.equal(BigInt(hold.captured_minor), bill.patientMinor, "the patient's leg captured whole");
    assert.equal(BigInt(hold.payer_captured_minor), bill.planMinor, "the plan's leg captured whole");
    assert.deepEqual(resident, { balance: 50_000n - bill.patientMinor, held: 0n });
    assert.deepEqual(payer, { balance: (before.payer?.balance ?? 0n) - bill.planMinor, held: 0n });
    assert.deepEqual(clinic, {
      balance: before.clinic.balance + bill.patientMinor + bill.planMinor,
      held: before.clinic.held,
    });
  } else {
    assert.equal(read?.status, BillStatus.BILL_STATUS_VOIDED, 'neither paid nor voided');
    assert.ok(hold?.status === 'voided' || hold?.status === 'expired');
    assert.deepEqual(resident, before.resident);
    assert.deepEqual(payer, before.payer);
    assert.deepEqual(clinic, before.clinic);
  }
  const report = await reconciliationReport(ledgerBooks(h.wallet.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
  console.log(`# after the crash and restart the bill is ${String(await billStatus(bill.billId))}`);
});
