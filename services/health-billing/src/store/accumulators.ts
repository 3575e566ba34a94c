// Each member's yearly accumulators as the sum of their lines' contributions, under a per-member-year row lock.
import type { Queryable } from '@citypass/platform/pg';
import type { AccumulatorStore } from '../app/store.ts';

export function postgresAccumulatorStore(db: Queryable): AccumulatorStore {
  return {
    async lock({ patientId, planId, planYear }) {
      await db.query(
        `INSERT INTO member_years (patient_id, plan_id, plan_year) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [patientId, planId, planYear],
      );
      await db.query(
        'SELECT 1 FROM member_years WHERE patient_id = $1 AND plan_id = $2 AND plan_year = $3 FOR UPDATE',
        [patientId, planId, planYear],
      );
    },
    async totals({ patientId, planId, planYear }) {
      const result = await db.query<{
        category: string;
        deductible: string;
        oop: string;
        visits: string;
        plan_paid: string;
      }>(
        `SELECT category, sum(deductible_minor) AS deductible, sum(out_of_pocket_minor) AS oop, sum(visits) AS visits,
                sum(plan_paid_minor) AS plan_paid
         FROM accumulator_contributions WHERE patient_id = $1 AND plan_id = $2 AND plan_year = $3
         GROUP BY category`,
        [patientId, planId, planYear],
      );
      let deductibleMinor = 0n;
      let outOfPocketMinor = 0n;
      const visitsByCategory = new Map<string, number>();
      const planPaidByCategory = new Map<string, bigint>();
      for (const row of result.rows) {
        deductibleMinor += BigInt(row.deductible);
        outOfPocketMinor += BigInt(row.oop);
        visitsByCategory.set(row.category, Number(row.visits));
        planPaidByCategory.set(row.category, BigInt(row.plan_paid));
      }
      return { deductibleMinor, outOfPocketMinor, visitsByCategory, planPaidByCategory };
    },
    async add({ patientId, planId, planYear }, billId, contributions) {
      await db.query(
        `INSERT INTO accumulator_contributions (line_id, bill_id, patient_id, plan_id, plan_year, category,
                                                deductible_minor, out_of_pocket_minor, visits, plan_paid_minor)
         SELECT c.line_id, $1, $2, $3, $4, c.category, c.deductible, c.oop, c.visits, c.plan_paid
         FROM unnest($5::uuid[], $6::text[], $7::bigint[], $8::bigint[], $9::int[], $10::bigint[])
           AS c(line_id, category, deductible, oop, visits, plan_paid)`,
        [
          billId,
          patientId,
          planId,
          planYear,
          contributions.map((c) => c.lineId),
          contributions.map((c) => c.category),
          contributions.map((c) => String(c.deductibleMinor)),
          contributions.map((c) => String(c.outOfPocketMinor)),
          contributions.map((c) => c.visits),
          contributions.map((c) => String(c.planPaidMinor)),
        ],
      );
    },
    async removeBill(billId) {
      await db.query('DELETE FROM accumulator_contributions WHERE bill_id = $1', [billId]);
    },
    async ofBill(billId) {
      const result = await db.query<{
        line_id: string;
        category: string;
        deductible_minor: string;
        out_of_pocket_minor: string;
        visits: number;
        plan_paid_minor: string;
      }>(
        `SELECT line_id, category, deductible_minor, out_of_pocket_minor, visits, plan_paid_minor
         FROM accumulator_contributions WHERE bill_id = $1 ORDER BY line_id`,
        [billId],
      );
      return result.rows.map((row) => ({
        lineId: row.line_id,
        category: row.category,
        deductibleMinor: BigInt(row.deductible_minor),
        outOfPocketMinor: BigInt(row.out_of_pocket_minor),
        visits: row.visits,
        planPaidMinor: BigInt(row.plan_paid_minor),
      }));
    },
  };
}
