// app's HealthBillingStore over PostgreSQL: the repositories on the pool, or on one transaction's client.
import { Idempotency, type ResponseCodec } from '@citypass/platform/idempotency';
import { appendEvent, processOnce } from '@citypass/platform/outbox';
import { withTransaction, type Pool, type PoolClient, type Queryable } from '@citypass/platform/pg';
import type { HealthBillingStore } from '../app/store.ts';
import { postgresAccumulatorStore } from './accumulators.ts';
import { postgresCorrectionStore } from './bill_corrections.ts';
import { postgresBillPageStore } from './bill_pages.ts';
import { postgresBillStore } from './bills.ts';
import { postgresClinicCodeDayStore } from './clinic_code_days.ts';
import { postgresCodeStore } from './codes.ts';
import { postgresFeeScheduleStore } from './fee_schedules.ts';
import { recordRead } from './medical_audit.ts';
import { postgresPartyStore } from './parties.ts';
import { postgresPlanStore } from './plans.ts';
import { postgresPreauthorizationStore } from './preauthorizations.ts';
import { postgresPresentationStore } from './resident_presentations.ts';
import { postgresSettlementStore } from './settlement.ts';

/** `codec` seals stored responses: they carry bills, whose lines are medical details. */
export function postgresHealthBillingStore(pool: Pool, codec: ResponseCodec): HealthBillingStore {
  const idempotency = new Idempotency(codec);
  const nested = (): Promise<never> => Promise.reject(new Error('health-billing store: transactions do not nest'));
  const outside = (): Promise<never> =>
    Promise.reject(new Error('health-billing store: idempotency needs a transaction'));
  return storeOn(pool, {
    transaction: (work) =>
      withTransaction(pool, (client) =>
        work(
          storeOn(client, {
            transaction: nested,
            claim: async (operation, key, request) => {
              const claimed = await idempotency.claim(client, operation, key, request);
              return claimed.replayed ? claimed.response : undefined;
            },
            remember: (operation, key, response) => idempotency.record(client, operation, key, response),
            recordMedicalRead: (entry) =>
              recordRead(client, {
                actor: entry.actor,
                action: entry.action ?? 'bill.read',
                subject: entry.subject,
                resource: entry.billId,
                purpose: entry.purpose,
              }),
            recordPreauthorizationRead: (entry) =>
              recordRead(client, {
                actor: entry.actor,
                action: 'preauthorization.read',
                subject: entry.subject,
                resource: entry.preauthorizationId,
                purpose: entry.purpose,
              }),
          }),
        ),
      ),
    claim: outside,
    remember: outside,
    recordMedicalRead: () =>
      Promise.reject(new Error('health-billing store: a medical read is recorded in the transaction that reads')),
    recordPreauthorizationRead: () =>
      Promise.reject(new Error('health-billing store: a medical read is recorded in the transaction that reads')),
  });
}

function storeOn(
  db: Queryable | PoolClient,
  calls: Pick<
    HealthBillingStore,
    'transaction' | 'claim' | 'remember' | 'recordMedicalRead' | 'recordPreauthorizationRead'
  >,
): HealthBillingStore {
  return {
    parties: postgresPartyStore(db),
    codes: postgresCodeStore(db),
    plans: postgresPlanStore(db),
    feeSchedules: postgresFeeScheduleStore(db),
    bills: postgresBillStore(db),
    clinicCodeDays: postgresClinicCodeDayStore(db),
    accumulators: postgresAccumulatorStore(db),
    corrections: postgresCorrectionStore(db),
    preauthorizations: postgresPreauthorizationStore(db),
    billPages: postgresBillPageStore(db),
    settlement: postgresSettlementStore(db),
    presentations: postgresPresentationStore(db),
    appendEvent: async (event) => {
      await appendEvent(db, event);
    },
    processOnce: (consumer, eventId) => processOnce(db, consumer, eventId),
    ...calls,
  };
}
