// The insurer's settlement for one day: per clinic and currency, the bills paid that day and the plan's share of
// them (captured from the insurer's payer account), and the plan's share refunded that day.
import type { Queryable } from '@citypass/platform/pg';
import type { SettlementStore, SettlementTotal } from '../app/store.ts';

interface Row {
  clinic: string;
  currency: string;
  bills: string;
  amount_minor: string;
}

const totalOf = (row: Row): SettlementTotal => ({
  clinic: row.clinic,
  currency: row.currency,
  bills: Number(row.bills),
  amountMinor: BigInt(row.amount_minor),
});

export function postgresSettlementStore(db: Queryable): SettlementStore {
  return {
    async paidBetween(insurer, fromMs, toMs) {
      const result = await db.query<Row>(
        // What was captured on the day the bill was paid (paid_plan_minor), even if a correction later gave some or
        // all of it back (planRefundsBetween counts that on the refund's own day).
        `SELECT clinic, currency, count(*) AS bills, coalesce(sum(paid_plan_minor), 0) AS amount_minor
           FROM bills
          WHERE insurer = $1 AND status IN ('paid', 'reversed') AND closed_at >= $2 AND closed_at < $3
          GROUP BY clinic, currency
          ORDER BY clinic, currency`,
        [insurer, new Date(fromMs), new Date(toMs)],
      );
      return result.rows.map(totalOf);
    },
    // The plan's share given back by corrections whose wallet refund went through that day (refund_attempted_at is
    // the successful attempt's time once refund_state is refunded); bills = the refunds counted.
    async planRefundsBetween(insurer, fromMs, toMs) {
      const result = await db.query<Row>(
        `SELECT b.clinic, b.currency, count(*) AS bills, coalesce(sum(c.plan_refund_minor), 0) AS amount_minor
           FROM bill_corrections c JOIN bills b ON b.id = c.bill_id
          WHERE b.insurer = $1 AND c.refund_state = 'refunded' AND c.plan_refund_minor > 0
            AND c.refund_attempted_at >= $2 AND c.refund_attempted_at < $3
          GROUP BY b.clinic, b.currency
          ORDER BY b.clinic, b.currency`,
        [insurer, new Date(fromMs), new Date(toMs)],
      );
      return result.rows.map(totalOf);
    },
  };
}
