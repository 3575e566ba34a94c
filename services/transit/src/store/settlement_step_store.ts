// Settlement steps (settlement_steps, step_refunds): the wallet calls settlement decided on, and their outcomes.
import { minorUnits } from '@citypass/platform/money';
import type { Queryable } from '@citypass/platform/pg';
import type { JourneySettlementState, SettlementStep, SettlementStepStore } from '../app/transit_store.ts';

export function postgresSettlementStepStore(db: Queryable): SettlementStepStore {
  return {
    async open(residentId) {
      const { rows } = await db.query<StepRow>(
        `SELECT id, journey_id, service_date::text, kind, amount_minor, currency, charged_after_minor, mandate_tap_id, attempt, status
           FROM settlement_steps WHERE resident_id = $1 AND status IN ('pending', 'declined') ORDER BY seq`,
        [residentId],
      );
      return rows.map(stepOf);
    },
    async add(residentId, adjustments) {
      for (const adjustment of adjustments) {
        await db.query(
          `
          INSERT INTO settlement_steps (resident_id, journey_id, service_date, kind, amount_minor, currency, charged_after_minor, mandate_tap_id, status)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $2, 'pending')`,
          [
            residentId,
            adjustment.journeyId,
            adjustment.serviceDate,
            adjustment.kind,
            adjustment.amountMinor,
            adjustment.currency,
            adjustment.chargedMinor,
          ],
        );
      }
    },
    async decline(stepId, reason, riskDecisionId) {
      await db.query(
        `UPDATE settlement_steps SET status = 'declined', decline_reason = $2, risk_decision_id = $3, finished_at = now()
          WHERE id = $1`,
        [stepId, reason, riskDecisionId ?? null],
      );
    },
    async finish(stepId, writtenOffReason) {
      await db.query(
        'UPDATE settlement_steps SET status = $2, decline_reason = $3, finished_at = now() WHERE id = $1',
        [stepId, writtenOffReason === undefined ? 'done' : 'written_off', writtenOffReason ?? null],
      );
    },
    async declinedDebt(residentId) {
      const { rows } = await db.query<{
        debt: string | null;
        currency: string | null;
        reason: string | null;
        risk_decision_id: string | null;
      }>(
        `
        SELECT sum(amount_minor)::text AS debt, min(currency) AS currency, min(decline_reason) AS reason,
               (array_agg(risk_decision_id ORDER BY seq DESC) FILTER (WHERE risk_decision_id IS NOT NULL))[1]
                 AS risk_decision_id
          FROM settlement_steps WHERE resident_id = $1 AND status = 'declined' AND kind = 'charge'`,
        [residentId],
      );
      return {
        debtMinor: minorUnits(BigInt(rows[0]?.debt ?? '0')),
        currency: rows[0]?.currency ?? undefined,
        reason: rows[0]?.reason ?? undefined,
        riskDecisionId: rows[0]?.risk_decision_id ?? undefined,
      };
    },
    async retryDeclined(residentId) {
      const result = await db.query(
        "UPDATE settlement_steps SET status = 'pending', attempt = attempt + 1 WHERE resident_id = $1 AND status = 'declined'",
        [residentId],
      );
      return result.rowCount ?? 0;
    },
    async retryDeclinedFor(reasons, beforeMs) {
      await db.query(
        `
        UPDATE settlement_steps SET status = 'pending', attempt = attempt + 1
         WHERE status = 'declined' AND decline_reason = ANY($1) AND finished_at < $2`,
        [reasons, new Date(beforeMs)],
      );
    },
    async refundedFor(stepId) {
      const { rows } = await db.query<{ refunded: string | null }>(
        'SELECT sum(amount_minor)::text AS refunded FROM step_refunds WHERE step_id = $1',
        [stepId],
      );
      return minorUnits(BigInt(rows[0]?.refunded ?? '0'));
    },
    async recordRefund(stepId, holdId, amountMinor, holdRefundedMinor) {
      await db.query('UPDATE journey_holds SET refunded_minor = $2 WHERE hold_id = $1', [holdId, holdRefundedMinor]);
      await db.query('INSERT INTO step_refunds (step_id, hold_id, amount_minor) VALUES ($1, $2, $3)', [
        stepId,
        holdId,
        amountMinor,
      ]);
    },
    async settlementStates(residentId, fromDate, toDate) {
      const { rows } = await db.query<{
        journey_id: string;
        charged_minor: string | null;
        open: 'unsettled' | 'declined' | null;
      }>(
        `
        SELECT journey_id, max(charged_minor)::text AS charged_minor, min(open) AS open FROM (
          SELECT journey_id, charged_minor, NULL AS open FROM journey_charges WHERE resident_id = $1 AND service_date BETWEEN $2 AND $3
          UNION ALL
          SELECT journey_id, NULL, CASE status WHEN 'declined' THEN 'declined' ELSE 'unsettled' END FROM settlement_steps
           WHERE resident_id = $1 AND service_date BETWEEN $2 AND $3 AND status <> 'done'
        ) AS per_journey GROUP BY journey_id`,
        [residentId, fromDate, toDate],
      );
      return new Map(
        rows.map((row): [string, JourneySettlementState] => [
          row.journey_id,
          { chargedMinor: minorUnits(BigInt(row.charged_minor ?? '0')), open: row.open ?? undefined },
        ]),
      );
    },
  };
}

interface StepRow {
  id: string;
  journey_id: string;
  service_date: string;
  kind: 'charge' | 'refund';
  amount_minor: string;
  currency: string;
  charged_after_minor: string;
  mandate_tap_id: string;
  attempt: number;
  status: 'pending' | 'declined';
}

function stepOf(row: StepRow): SettlementStep {
  return {
    id: row.id,
    journeyId: row.journey_id,
    serviceDate: row.service_date,
    kind: row.kind,
    amountMinor: minorUnits(BigInt(row.amount_minor)),
    currency: row.currency,
    chargedAfterMinor: minorUnits(BigInt(row.charged_after_minor)),
    mandateTapId: row.mandate_tap_id,
    attempt: row.attempt,
    status: row.status,
  };
}
