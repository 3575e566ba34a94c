// Crash tests: health billing runs as its own process and is killed (SIGKILL) in the middle of paying a bill, at
// the two points where a crash can fall now that a bill is paid by one combined wallet charge (both shares authorized
// and captured in one call). Deterministically, by holding a row or table lock the next step needs:
// - while the charge waits in the wallet: the test holds the clinic's merchant account, which the charge credits, so
//   the charge waits in the wallet; health billing is killed while it waits, and the waiting charge is ended (its
//   connection terminated, as a database failover does), so nothing of it posts;
// - after the wallet committed the charge and before the bill records it: the test holds health billing's outbox,
//   which marking the bill paid writes its event to (and marking it paying does not), and kills it there.
// Restarted, health billing finishes the payment with the same wallet key: the bill ends fully paid or fully voided,
// the wallet's one hold and its two legs agree with it, and the ledger reconciles.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PoolClient } from '@citypass/platform/pg';
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

/** A backend of `db` waiting for a lock in a statement like `statement`, once there is one. */
async function waiterOn(db: HealthBillingProcessHarness['db'], statement: string, what: string): Promise<number> {
  let pid: number | undefined;
  await waitFor(async () => {
    const waiting = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
          AND query ILIKE $1`,
      [statement],
    );
    pid = waiting.rows[0]?.pid;
    return pid !== undefined;
  }, what);
  return pid ?? 0;
}

/** A split bill for a patient with 50,000, and the three accounts before it is paid. */
async function splitBill() {
  const patient = await h.patient(planId);
  await h.topUp(patient, 50_000n);
  const bill = await finalizedBill(h.clinic, patient);
  assert.ok(bill.patientMinor > 0n && bill.planMinor > 0n, 'a split bill: both legs move money');
  const accounts = {
    resident: await h.account('resident', patient.residentId),
    payer: await h.account('payer', h.insurer),
    clinic: await h.account('merchant', h.clinic.name),
  };
  assert.ok(accounts.clinic, "the clinic's merchant account exists");
  return { patient, bill, before: { ...accounts, clinic: accounts.clinic } };
}

/**
 * Holds `lock` on a connection of `db` while PayBill runs into it (a statement like `waiting` waits), kills health
 * billing there, then runs `whileWaiting` before the lock is let go.
 */
async function killedAt(
  db: HealthBillingProcessHarness['db'],
  lock: string,
  lockArgs: unknown[],
  waiting: string,
  pay: () => Promise<unknown>,
  what: string,
  whileWaiting: (waiterPid: number) => Promise<void>,
): Promise<void> {
  const locker: PoolClient = await db.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(lock, lockArgs);
    const paying = outcomeOf(pay());
    const waiter = await waiterOn(db, waiting, what);
    await h.kill();
    assert.match(await paying, /UNAVAILABLE/, 'the desk learns the payment is not confirmed');
    await whileWaiting(waiter);
  } finally {
    await locker.query('ROLLBACK');
    locker.release();
  }
}

/** After the restart: the bill paid with its one hold captured whole on both legs, or voided with nothing moved. */
async function finishedWhole(
  billId: string,
  patient: Awaited<ReturnType<typeof splitBill>>['patient'],
  bill: Awaited<ReturnType<typeof splitBill>>['bill'],
  before: Awaited<ReturnType<typeof splitBill>>['before'],
): Promise<void> {
  await h.runAsProcess();
  await waitFor(
    async () => ['paid', 'voided'].includes((await billStatus(billId)) ?? ''),
    'the interrupted payment finished after the restart',
    20_000,
  );
  const { bill: read } = await h.clinic.billing.getBill({ billId });
  const holds = await holdsOf(billId);
  const resident = await h.account('resident', patient.residentId);
  const payer = await h.account('payer', h.insurer);
  const clinic = await h.account('merchant', h.clinic.name);
  if (read?.status === BillStatus.BILL_STATUS_PAID) {
    assert.equal(holds.length, 1, 'the restart repeated the same wallet key: one hold');
    const [hold] = holds;
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
    assert.equal(holds.length, 0, 'a voided bill charged nothing');
    assert.deepEqual(resident, before.resident);
    assert.deepEqual(payer, before.payer);
    assert.deepEqual(clinic, before.clinic);
  }
  const report = await reconciliationReport(ledgerBooks(h.wallet.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
  console.log(`# after the crash and restart the bill is ${String(await billStatus(billId))}`);
}

test('crash - killed while the charge waits in the wallet: nothing posted; after the restart the bill is wholly paid or wholly voided, the ledger reconciles', async () => {
  const { patient, bill, before } = await splitBill();
  await killedAt(
    h.wallet.db,
    // NO KEY UPDATE: a balance update of the clinic's account (the charge crediting it) waits behind it.
    "SELECT id FROM accounts WHERE kind = 'merchant' AND owner = $1 AND currency = 'EUR' FOR NO KEY UPDATE",
    [h.clinic.name],
    '%wallet_charge_%', // wallet_charge_once alone, wallet_charge_many in a group commit
    () =>
      h.clinic.billing.payBill({
        idempotencyKey: key(),
        billId: bill.billId,
        presentation: patient.present(h.clinic.name),
      }),
    "the bill's charge waiting in the wallet",
    async (waiter) => {
      assert.deepEqual(await holdsOf(bill.billId), [], 'the charge has not committed');
      assert.equal(await billStatus(bill.billId), 'paying');
      await h.wallet.db.query('SELECT pg_terminate_backend($1)', [waiter]);
    },
  );
  assert.deepEqual(await holdsOf(bill.billId), [], 'nothing of the charge posted before the restart');
  assert.deepEqual(await h.account('resident', patient.residentId), before.resident);
  await finishedWhole(bill.billId, patient, bill, before);
});

test('crash - killed after the wallet charged and before the bill recorded it: after the restart the bill is paid by that one charge', async () => {
  const { patient, bill, before } = await splitBill();
  await killedAt(
    h.db,
    // Marking the bill paid writes its event to the outbox; marking it paying writes none.
    'LOCK TABLE outbox IN SHARE MODE',
    [],
    // An event's row (platform outbox_write.ts), not the relay's statement, which also waits on the lock and
    // names outbox_relay_lease.
    '%INSERT INTO outbox (%',
    () =>
      h.clinic.billing.payBill({
        idempotencyKey: key(),
        billId: bill.billId,
        presentation: patient.present(h.clinic.name),
      }),
    'the bill paid, its event waiting for the outbox',
    async () => {
      const [charged, ...others] = await holdsOf(bill.billId);
      assert.equal(others.length, 0);
      assert.equal(charged?.status, 'captured', 'the wallet has charged the bill');
    },
  );
  assert.equal(await billStatus(bill.billId), 'paying', 'the bill did not record the charge before the crash');
  await finishedWhole(bill.billId, patient, bill, before);
  assert.equal(await billStatus(bill.billId), 'paid', 'money taken is a bill paid, whatever the deadline');
});
