// app's TransitStore over PostgreSQL: the repositories on the pool, or on one transaction's client.
import { appendEvent, processOnce } from '@citypass/platform/outbox';
import { withTransaction, type Pool, type Queryable } from '@citypass/platform/pg';
import type { TransitStore } from '../app/transit_store.ts';
import { postgresDenyListStore } from './deny_list_store.ts';
import { postgresFareRuleStore } from './fare_rule_store.ts';
import { postgresGateAssignmentStore } from './gate_assignment_store.ts';
import { postgresJourneyChargeStore } from './journey_charge_store.ts';
import { postgresOperatorAuditStore } from './operator_audit_store.ts';
import { postgresRiderStore } from './rider_store.ts';
import { postgresSettlementStepStore } from './settlement_step_store.ts';
import { postgresTapStore } from './tap_store.ts';

export function postgresTransitStore(pool: Pool): TransitStore {
  const nested = (): Promise<never> => Promise.reject(new Error('transit store: transactions do not nest'));
  return storeOn(pool, (work) => withTransaction(pool, (client) => work(storeOn(client, nested))));
}

function storeOn(db: Queryable, transaction: TransitStore['transaction']): TransitStore {
  return {
    taps: postgresTapStore(db),
    riders: postgresRiderStore(db),
    steps: postgresSettlementStepStore(db),
    journeys: postgresJourneyChargeStore(db),
    denyList: postgresDenyListStore(db),
    gateAssignments: postgresGateAssignmentStore(db),
    fareRules: postgresFareRuleStore(db),
    audit: postgresOperatorAuditStore(db),
    appendEvent: async (event) => {
      await appendEvent(db, event);
    },
    processOnce: (consumer, eventId) => processOnce(db, consumer, eventId),
    transaction,
  };
}
