// Bills and their lines. Codes and notes arrive and leave sealed; amounts, dates and categories are plain.
import type { Queryable } from '@citypass/platform/pg';
import type {
  BillLineRecord,
  BillRecord,
  BillStatus,
  BillStore,
  LineAdjustment,
  ReviewFlagRecord,
} from '../app/store.ts';

interface BillRow {
  id: string;
  clinic: string;
  patient_id: string;
  credential_id: string;
  concession: string;
  plan_id: string;
  plan_version: number;
  plan_year: number;
  insurer: string;
  currency: string;
  status: BillStatus;
  billed_minor: string;
  written_off_minor: string;
  patient_minor: string;
  plan_minor: string;
  created_at: Date;
  pay_by: Date | null;
  wallet_key: string | null;
  pay_presentation_sealed: Buffer | null;
  hold_id: string | null;
  refunded_patient_minor: string;
  refunded_plan_minor: string;
  replaces_bill_id: string | null;
  review_flags: ReviewFlagRecord[];
}

interface LineRow {
  id: string;
  bill_id: string;
  seq: number;
  code_sealed: Buffer;
  category: string;
  service_date: string;
  quantity: number;
  unit_price_minor: string;
  billed_minor: string;
  note_sealed: Buffer | null;
  allowed_minor: string | null;
  written_off_minor: string | null;
  patient_minor: string | null;
  plan_minor: string | null;
  adjustments: { group: string; reasonCode: string; amountMinor: string }[] | null;
  status: 'active' | 'cancelled';
}

const lineColumns = `id, bill_id, seq, code_sealed, category, to_char(service_date, 'YYYY-MM-DD') AS service_date, quantity,
  unit_price_minor, billed_minor, note_sealed, allowed_minor, written_off_minor, patient_minor, plan_minor, adjustments,
  status`;

export function postgresBillStore(db: Queryable): BillStore {
  const linesOf = async (billIds: readonly string[]): Promise<Map<string, BillLineRecord[]>> => {
    const result = await db.query<LineRow>(
      `SELECT ${lineColumns} FROM bill_lines WHERE bill_id = ANY($1::uuid[]) ORDER BY bill_id, seq`,
      [billIds],
    );
    const byBill = new Map<string, BillLineRecord[]>();
    for (const row of result.rows) {
      const lines = byBill.get(row.bill_id) ?? [];
      lines.push(lineOf(row));
      byBill.set(row.bill_id, lines);
    }
    return byBill;
  };
  return {
    async open(bill) {
      const result = await db.query(
        `INSERT INTO bills (id, clinic, patient_id, credential_id, concession, plan_id, plan_version, plan_year, insurer,
                            currency, status, created_at, checkin_nonce, replaces_bill_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $12, $13)
         ON CONFLICT (checkin_nonce) DO NOTHING`,
        [
          bill.billId,
          bill.clinic,
          bill.patientId,
          bill.credentialId,
          bill.concession,
          bill.planId,
          bill.planVersion,
          bill.planYear,
          bill.insurer,
          bill.currency,
          new Date(bill.createdAtMs),
          bill.checkinNonce,
          bill.replacesBillId ?? null,
        ],
      );
      return result.rowCount === 1 ? 'opened' : 'replayed';
    },
    async get(billId, options = {}) {
      const result = await db.query<BillRow>(
        `SELECT * FROM bills WHERE id = $1${options.forUpdate === true ? ' FOR UPDATE' : ''}`,
        [billId],
      );
      const row = result.rows[0];
      if (row === undefined) return undefined;
      return billOf(row, (await linesOf([billId])).get(billId) ?? []);
    },
    async addLine(billId, line) {
      await db.query(
        `INSERT INTO bill_lines (id, bill_id, seq, code_sealed, category, service_date, quantity, unit_price_minor,
                                 billed_minor, note_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          line.lineId,
          billId,
          line.seq,
          line.codeSealed,
          line.category,
          line.serviceDate,
          line.quantity,
          String(line.unitPriceMinor),
          String(line.billedMinor),
          line.noteSealed ?? null,
        ],
      );
    },
    async finalize(billId, outcomes, atMs, payByMs) {
      const ids = [...outcomes.keys()];
      const each = [...outcomes.values()];
      await db.query(
        `UPDATE bill_lines l SET allowed_minor = o.allowed, written_off_minor = o.written_off, patient_minor = o.patient,
                                 plan_minor = o.plan, adjustments = o.adjustments
         FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::jsonb[])
           AS o(id, allowed, written_off, patient, plan, adjustments)
         WHERE l.id = o.id AND l.bill_id = $1`,
        [
          billId,
          ids,
          each.map((o) => String(o.allowedMinor)),
          each.map((o) => String(o.writtenOffMinor)),
          each.map((o) => String(o.patientMinor)),
          each.map((o) => String(o.planMinor)),
          each.map((o) => JSON.stringify(o.adjustments.map(adjustmentJson))),
        ],
      );
      await db.query(
        `UPDATE bills b SET status = 'awaiting_payment', finalized_at = $2, pay_by = $3,
           billed_minor = t.billed, written_off_minor = t.written_off, patient_minor = t.patient, plan_minor = t.plan
         FROM (SELECT sum(billed_minor) AS billed, sum(written_off_minor) AS written_off, sum(patient_minor) AS patient,
                      sum(plan_minor) AS plan
               FROM bill_lines WHERE bill_id = $1) t
         WHERE b.id = $1`,
        [billId, new Date(atMs), new Date(payByMs)],
      );
    },
    async markPaying(billId, { walletKey, presentationSealed, atMs }) {
      await db.query(
        `UPDATE bills SET status = 'paying', wallet_key = $2, pay_presentation_sealed = $3, paying_since = $4 WHERE id = $1`,
        [billId, walletKey, presentationSealed, new Date(atMs)],
      );
    },
    async markAwaitingPayment(billId) {
      await db.query(
        `UPDATE bills SET status = 'awaiting_payment', pay_presentation_sealed = NULL, paying_since = NULL WHERE id = $1`,
        [billId],
      );
    },
    async markPaid(billId, holdId, atMs) {
      await db.query(
        `UPDATE bills SET status = 'paid', hold_id = $2, closed_at = $3, pay_presentation_sealed = NULL, paying_since = NULL,
           paid_patient_minor = patient_minor, paid_plan_minor = plan_minor
         WHERE id = $1`,
        [billId, holdId ?? null, new Date(atMs)],
      );
    },
    async markVoided(billId, atMs) {
      await db.query(
        `UPDATE bills SET status = 'voided', closed_at = $2, finalized_at = coalesce(finalized_at, $2),
           pay_presentation_sealed = NULL, paying_since = NULL WHERE id = $1`,
        [billId, new Date(atMs)],
      );
    },
    async applyCorrection(billId, change) {
      const ids = [...change.outcomes.keys()];
      const each = [...change.outcomes.values()];
      await db.query(`UPDATE bill_lines SET status = 'cancelled' WHERE bill_id = $1 AND id = ANY($2::uuid[])`, [
        billId,
        change.cancelledLineIds,
      ]);
      // One statement per line sets its billed amount and outcome together (billed = written off + patient + plan).
      await db.query(
        `UPDATE bill_lines l SET allowed_minor = o.allowed, written_off_minor = o.written_off, patient_minor = o.patient,
                                 plan_minor = o.plan, adjustments = o.adjustments,
                                 billed_minor = coalesce(o.billed, l.billed_minor),
                                 repriced_at = CASE WHEN o.billed IS NULL THEN l.repriced_at ELSE $9 END
         FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::jsonb[], $8::bigint[])
           AS o(id, allowed, written_off, patient, plan, adjustments, billed)
         WHERE l.id = o.id AND l.bill_id = $1 AND l.status = 'active'`,
        [
          billId,
          ids,
          each.map((o) => String(o.allowedMinor)),
          each.map((o) => String(o.writtenOffMinor)),
          each.map((o) => String(o.patientMinor)),
          each.map((o) => String(o.planMinor)),
          each.map((o) => JSON.stringify(o.adjustments.map(adjustmentJson))),
          ids.map((id) => {
            const billed = change.repricedBilledMinor.get(id);
            return billed === undefined ? null : String(billed);
          }),
          new Date(change.atMs),
        ],
      );
      await db.query(
        `UPDATE bills b SET status = $2, billed_minor = t.billed, written_off_minor = t.written_off,
           patient_minor = t.patient, plan_minor = t.plan,
           refunded_patient_minor = refunded_patient_minor + $3, refunded_plan_minor = refunded_plan_minor + $4
         FROM (SELECT coalesce(sum(billed_minor), 0) AS billed, coalesce(sum(written_off_minor), 0) AS written_off,
                      coalesce(sum(patient_minor), 0) AS patient, coalesce(sum(plan_minor), 0) AS plan
               FROM bill_lines WHERE bill_id = $1 AND status = 'active') t
         WHERE b.id = $1 AND b.status = 'paid'`,
        [billId, change.status, String(change.patientRefundMinor), String(change.planRefundMinor)],
      );
    },
    async overdue(nowMs, limit) {
      const result = await db.query<{ id: string }>(
        `SELECT id FROM bills WHERE status = 'awaiting_payment' AND pay_by <= $1 ORDER BY pay_by LIMIT $2`,
        [new Date(nowMs), limit],
      );
      return result.rows.map((row) => row.id);
    },
    async stalledPayments(beganBeforeMs, limit) {
      const result = await db.query<{ id: string }>(
        `SELECT id FROM bills WHERE status = 'paying' AND paying_since < $1 ORDER BY paying_since LIMIT $2`,
        [new Date(beganBeforeMs), limit],
      );
      return result.rows.map((row) => row.id);
    },
    async ofPatient(patientId, limit) {
      const result = await db.query<BillRow>(
        'SELECT * FROM bills WHERE patient_id = $1 ORDER BY created_at DESC, id LIMIT $2',
        [patientId, limit],
      );
      const lines = await linesOf(result.rows.map((row) => row.id));
      return result.rows.map((row) => billOf(row, lines.get(row.id) ?? []));
    },
    async patientDayLines(query, limit) {
      const result = await db.query<{
        id: string;
        clinic: string;
        code_sealed: Buffer;
        service_date: string;
        quantity: number;
      }>(
        `SELECT l.id, b.clinic, l.code_sealed, to_char(l.service_date, 'YYYY-MM-DD') AS service_date, l.quantity
         FROM bills b JOIN bill_lines l ON l.bill_id = b.id
         WHERE b.patient_id = $1 AND b.finalized_at IS NOT NULL AND b.id <> $3
           AND b.status IN ('awaiting_payment', 'paying', 'paid') AND l.status = 'active'
           AND (l.patient_minor > 0 OR l.plan_minor > 0)
           AND l.service_date = ANY($2::date[])
         ORDER BY l.id LIMIT $4`,
        [query.patientId, query.serviceDates, query.exceptBillId, limit],
      );
      return result.rows.map((row) => ({
        lineId: row.id,
        clinic: row.clinic,
        codeSealed: row.code_sealed,
        serviceDate: row.service_date,
        quantity: row.quantity,
      }));
    },
    async flagForReview(billId, flags) {
      await db.query('UPDATE bills SET review_flags = $2 WHERE id = $1', [billId, JSON.stringify(flags)]);
    },
  };
}

function adjustmentJson(adjustment: LineAdjustment): { group: string; reasonCode: string; amountMinor: string } {
  return { group: adjustment.group, reasonCode: adjustment.reasonCode, amountMinor: String(adjustment.amountMinor) };
}

function billOf(row: BillRow, lines: readonly BillLineRecord[]): BillRecord {
  return {
    billId: row.id,
    clinic: row.clinic,
    patientId: row.patient_id,
    credentialId: row.credential_id,
    concession: row.concession,
    planId: row.plan_id,
    planVersion: row.plan_version,
    planYear: row.plan_year,
    insurer: row.insurer,
    currency: row.currency,
    status: row.status,
    billedMinor: BigInt(row.billed_minor),
    writtenOffMinor: BigInt(row.written_off_minor),
    patientMinor: BigInt(row.patient_minor),
    planMinor: BigInt(row.plan_minor),
    createdAtMs: row.created_at.getTime(),
    payByMs: row.pay_by?.getTime(),
    walletKey: row.wallet_key ?? undefined,
    payPresentationSealed: row.pay_presentation_sealed ?? undefined,
    holdId: row.hold_id ?? undefined,
    refundedPatientMinor: BigInt(row.refunded_patient_minor),
    refundedPlanMinor: BigInt(row.refunded_plan_minor),
    replacesBillId: row.replaces_bill_id ?? undefined,
    reviewFlags: row.review_flags,
    lines,
  };
}

function lineOf(row: LineRow): BillLineRecord {
  return {
    lineId: row.id,
    seq: row.seq,
    codeSealed: row.code_sealed,
    category: row.category,
    serviceDate: row.service_date,
    quantity: row.quantity,
    unitPriceMinor: BigInt(row.unit_price_minor),
    billedMinor: BigInt(row.billed_minor),
    noteSealed: row.note_sealed ?? undefined,
    cancelled: row.status === 'cancelled',
    outcome:
      row.allowed_minor === null
        ? undefined
        : {
            allowedMinor: BigInt(row.allowed_minor),
            writtenOffMinor: BigInt(row.written_off_minor ?? '0'),
            patientMinor: BigInt(row.patient_minor ?? '0'),
            planMinor: BigInt(row.plan_minor ?? '0'),
            adjustments: (row.adjustments ?? []).map((a) => ({
              group: a.group,
              reasonCode: a.reasonCode,
              amountMinor: BigInt(a.amountMinor),
            })),
          },
  };
}

/** Bills with their lines in two queries, in the order of `ids` (a page of a view; missing ids are skipped). */
export async function billsWithLines(db: Queryable, ids: readonly string[]): Promise<BillRecord[]> {
  if (ids.length === 0) return [];
  const bills = await db.query<BillRow>('SELECT * FROM bills WHERE id = ANY($1::uuid[])', [ids]);
  const lines = await db.query<LineRow>(
    `SELECT ${lineColumns} FROM bill_lines WHERE bill_id = ANY($1::uuid[]) ORDER BY bill_id, seq`,
    [ids],
  );
  const linesByBill = Map.groupBy(lines.rows, (row) => row.bill_id);
  const byId = new Map(bills.rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row === undefined ? [] : [billOf(row, (linesByBill.get(id) ?? []).map(lineOf))];
  });
}
