// Which gate client operates which gate (gate_assignments).
import type { Queryable } from '@citypass/platform/pg';
import type { GateAssignmentStore } from '../app/transit_store.ts';

export function postgresGateAssignmentStore(db: Queryable): GateAssignmentStore {
  return {
    async all() {
      const { rows } = await db.query<{ gate_id: string; client_id: string }>(
        'SELECT gate_id, client_id FROM gate_assignments',
      );
      return new Map(rows.map((row) => [row.gate_id, row.client_id]));
    },
    async lockClientsOf(gateIds) {
      const { rows } = await db.query<{ gate_id: string; client_id: string }>(
        'SELECT gate_id, client_id FROM gate_assignments WHERE gate_id = ANY($1::text[]) ORDER BY gate_id FOR UPDATE',
        [[...new Set(gateIds)]],
      );
      return new Map(rows.map((row) => [row.gate_id, row.client_id]));
    },
    async assign(gateIds, clientId, operator) {
      await db.query(
        `
        INSERT INTO gate_assignments (gate_id, client_id, assigned_by) SELECT unnest($1::text[]), $2, $3
        ON CONFLICT (gate_id) DO UPDATE SET client_id = EXCLUDED.client_id, assigned_by = EXCLUDED.assigned_by, assigned_at = now()`,
        [[...new Set(gateIds)], clientId, operator],
      );
    },
  };
}
