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
        `SELECT clinic, currency, count(*) AS bills, coalesce(sum(plan_minor), 0) AS amount_minor
           FROM bills
          WHERE insurer = $1 AND status = 'paid' AND closed_at >= $2 AND closed_at < $3
          GROUP BY clinic, currency
          ORDER BY clinic, currency`,
        [insurer, new Date(fromMs), new Date(toMs)],
      );
      return result.rows.map(totalOf);
    },
    // THE one place refunds of the plan's share enter the settlement report. Corrections (refunds line by line) are
    // being added in another change; until they land there is nothing to refund and this sums 0 for every clinic.
    // At merge, replace the body with the sum of the plan's share refunded between fromMs and toMs, grouped by clinic
    // and currency like paidBetween (bills = the refunds counted).
    planRefundsBetween(_insurer, _fromMs, _toMs) {
      return Promise.resolve([]);
    },
  };
}
