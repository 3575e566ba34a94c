// Transit's books as the reconciliation with the wallet reads them: per charged journey, its recorded charge, the
// part of it written off (charges the wallet could never take, less refunds that found no hold left to take from),
// whether a step is still pending, and its wallet holds. Reads only.
import { minorUnits } from '@citypass/platform/money';
import type { Queryable } from '@citypass/platform/pg';
import type { WalletReconciliationStore } from '../app/transit_store.ts';
import type { JourneyBooks } from '../domain/wallet_reconciliation.ts';

interface BooksRow {
  resident_id: string;
  journey_id: string;
  service_date: string;
  currency: string;
  charged_minor: string;
  written_off_minor: string;
  settling: boolean;
  hold_ids: string[];
}

// The per-journey figures, for the journey_charges rows `c` that the query's FROM and WHERE choose.
const booksColumns = `
  c.resident_id, c.journey_id, c.service_date::text, c.currency, c.charged_minor,
  coalesce((SELECT sum(s.amount_minor) FROM settlement_steps s
             WHERE s.resident_id = c.resident_id AND s.journey_id = c.journey_id
               AND s.kind = 'charge' AND s.status = 'written_off'), 0)
  - coalesce((SELECT sum(s.amount_minor - coalesce((SELECT sum(r.amount_minor) FROM step_refunds r WHERE r.step_id = s.id), 0))
                FROM settlement_steps s
               WHERE s.resident_id = c.resident_id AND s.journey_id = c.journey_id
                 AND s.kind = 'refund' AND s.status = 'done'), 0) AS written_off_minor,
  EXISTS (SELECT 1 FROM settlement_steps s
           WHERE s.resident_id = c.resident_id AND s.journey_id = c.journey_id AND s.status = 'pending') AS settling,
  coalesce((SELECT array_agg(h.hold_id::text ORDER BY h.created_at, h.hold_id) FROM journey_holds h
             WHERE h.resident_id = c.resident_id AND h.journey_id = c.journey_id), '{}') AS hold_ids`;

function booksOf(row: BooksRow): JourneyBooks {
  return {
    residentId: row.resident_id,
    journeyId: row.journey_id,
    serviceDate: row.service_date,
    currency: row.currency,
    chargedMinor: minorUnits(BigInt(row.charged_minor)),
    writtenOffMinor: BigInt(row.written_off_minor),
    settling: row.settling,
    holdIds: row.hold_ids,
  };
}

export function postgresWalletReconciliationStore(db: Queryable): WalletReconciliationStore {
  return {
    async journeysSince(fromDate, after, limit) {
      const { rows } = await db.query<BooksRow>(
        `SELECT ${booksColumns} FROM journey_charges c
          WHERE c.service_date >= $1::date
            AND ($2::date IS NULL OR (c.service_date, c.resident_id, c.journey_id) > ($2::date, $3::uuid, $4::text))
          ORDER BY c.service_date, c.resident_id, c.journey_id LIMIT $5`,
        [fromDate, after?.serviceDate ?? null, after?.residentId ?? null, after?.journeyId ?? null, limit],
      );
      return rows.map(booksOf);
    },
    async journeys(keys) {
      if (keys.length === 0) return [];
      const { rows } = await db.query<BooksRow>(
        `SELECT ${booksColumns} FROM journey_charges c
           JOIN unnest($1::uuid[], $2::text[]) AS k (resident_id, journey_id)
             ON k.resident_id = c.resident_id AND k.journey_id = c.journey_id
          ORDER BY c.service_date, c.resident_id, c.journey_id`,
        [keys.map((key) => key.residentId), keys.map((key) => key.journeyId)],
      );
      return rows.map(booksOf);
    },
    async journeysOfHolds(holdIds) {
      if (holdIds.length === 0) return new Map();
      const { rows } = await db.query<{ hold_id: string; resident_id: string; journey_id: string }>(
        `SELECT h.hold_id::text, h.resident_id, h.journey_id FROM journey_holds h
           JOIN journey_charges c ON c.resident_id = h.resident_id AND c.journey_id = h.journey_id
          WHERE h.hold_id = ANY($1::uuid[])`,
        [holdIds],
      );
      return new Map(rows.map((row) => [row.hold_id, { residentId: row.resident_id, journeyId: row.journey_id }]));
    },
    async pendingSteps(stepIds) {
      if (stepIds.length === 0) return new Set();
      const { rows } = await db.query<{ id: string }>(
        "SELECT id::text FROM settlement_steps WHERE id = ANY($1::uuid[]) AND status = 'pending'",
        [stepIds],
      );
      return new Set(rows.map((row) => row.id));
    },
  };
}
