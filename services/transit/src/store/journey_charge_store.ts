// What each journey has been charged (journey_charges) and the wallet holds that charged it (journey_holds).
import { minorUnits } from '@citypass/platform/money';
import type { Queryable } from '@citypass/platform/pg';
import type { JourneyChargeStore } from '../app/transit_store.ts';
import type { ChargedJourney } from '../domain/adjustments.ts';
import type { DayTotal } from '../domain/statement.ts';

export function postgresJourneyChargeStore(db: Queryable): JourneyChargeStore {
  return {
    async dayTotalsBefore(residentId, fromDate, days) {
      const { rows } = await db.query<{ service_date: string; charged: string }>(
        `
        SELECT service_date::text, sum(charged_minor)::text AS charged FROM journey_charges
         WHERE resident_id = $1 AND service_date >= $2::date - $3::int AND service_date < $2::date GROUP BY service_date`,
        [residentId, fromDate, days],
      );
      return rows.map(
        (row): DayTotal => ({ serviceDate: row.service_date, chargedMinor: minorUnits(BigInt(row.charged)) }),
      );
    },
    async chargedSince(residentId, fromDate) {
      const { rows } = await db.query<{ journey_id: string; service_date: string; charged_minor: string }>(
        'SELECT journey_id, service_date::text, charged_minor FROM journey_charges WHERE resident_id = $1 AND service_date >= $2',
        [residentId, fromDate],
      );
      return rows.map(
        (row): ChargedJourney => ({
          journeyId: row.journey_id,
          serviceDate: row.service_date,
          chargedMinor: minorUnits(BigInt(row.charged_minor)),
        }),
      );
    },
    async recordCharge(residentId, charge) {
      await db.query(
        `
        INSERT INTO journey_charges (resident_id, journey_id, service_date, charged_minor, currency) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (resident_id, journey_id) DO UPDATE SET charged_minor = EXCLUDED.charged_minor`,
        [residentId, charge.journeyId, charge.serviceDate, charge.chargedMinor, charge.currency],
      );
    },
    async addHold(hold) {
      await db.query(
        'INSERT INTO journey_holds (hold_id, resident_id, journey_id, captured_minor) VALUES ($1, $2, $3, $4) ON CONFLICT (hold_id) DO NOTHING',
        [hold.holdId, hold.residentId, hold.journeyId, hold.capturedMinor],
      );
    },
    async refundableHolds(residentId, journeyId) {
      const { rows } = await db.query<{ hold_id: string; left: string }>(
        `SELECT hold_id, captured_minor - refunded_minor AS left FROM journey_holds
          WHERE resident_id = $1 AND journey_id = $2 AND captured_minor > refunded_minor ORDER BY created_at DESC, hold_id`,
        [residentId, journeyId],
      );
      return rows.map((row) => ({ holdId: row.hold_id, leftMinor: minorUnits(BigInt(row.left)) }));
    },
    async journeyOfHold(holdId) {
      const { rows } = await db.query<{ resident_id: string; journey_id: string; service_date: string }>(
        `SELECT h.resident_id, h.journey_id, c.service_date::text FROM journey_holds h
           JOIN journey_charges c ON c.resident_id = h.resident_id AND c.journey_id = h.journey_id
          WHERE h.hold_id = $1`,
        [holdId],
      );
      const row = rows[0];
      return row === undefined
        ? undefined
        : { residentId: row.resident_id, journeyId: row.journey_id, serviceDate: row.service_date };
    },
    async holdIdsByJourney(residentId, journeyIds) {
      const { rows } = await db.query<{ journey_id: string; hold_ids: string[] }>(
        `SELECT journey_id, array_agg(hold_id::text ORDER BY created_at, hold_id) AS hold_ids FROM journey_holds
          WHERE resident_id = $1 AND journey_id = ANY($2::text[]) GROUP BY journey_id`,
        [residentId, journeyIds],
      );
      return new Map(rows.map((row) => [row.journey_id, row.hold_ids]));
    },
  };
}
