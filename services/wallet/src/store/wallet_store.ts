// The wallet's store on PostgreSQL: the implementation of app/store.ts, one pool, every query in this folder.
import { randomUUID } from 'node:crypto';
import { minorUnits } from '@citypass/platform/money';
import { appendEvent, appendEvents, processOnce } from '@citypass/platform/outbox';
import { postgresOperatorAuditStore } from '@citypass/platform/operator_audit';
import { withTransaction, type Pool, type PoolClient } from '@citypass/platform/pg';
import type { LedgerTransaction, WalletStore } from '../app/store.ts';
import { accountReads, openAccount } from './accounts.ts';
import { holdReads } from './holds.ts';
import { declineCounts } from './declines.ts';
import { riskDecisionStore } from './risk_decisions.ts';
import { riskRuleSetStore } from './risk_rule_sets.ts';
import { merchantPlaceStore } from './merchant_places.ts';
import { claim, idempotencyReads, record } from './idempotency.ts';
import { batchedOneStatementWrites, type BatchOptions } from './ledger_batches.ts';
import { expireDueHolds, oneStatementWrites, refundHold, topUpAccount } from './ledger_calls.ts';
import { asLedgerError } from './ledger_errors.ts';
import { reconciliationStore } from './reconciliation.ts';
import { statementReads } from './statements.ts';

/**
 * `batch`: the hot writes go through group commit (ledger_batches.ts); without it each is its own statement.
 * `ledgerPool`: where the batches run (a pool of `batchedKinds` connections of their own, ledger_batches.ts);
 * `pool` without it.
 */
export function createWalletStore(pool: Pool, options: { batch?: BatchOptions; ledgerPool?: Pool } = {}): WalletStore {
  return {
    accounts: accountReads(pool),
    holds: holdReads(pool),
    statements: statementReads(pool),
    idempotency: idempotencyReads(pool),
    declines: declineCounts(pool),
    riskDecisions: riskDecisionStore(pool),
    riskRuleSets: riskRuleSetStore(pool),
    merchantPlaces: merchantPlaceStore(pool),
    oneStatement:
      options.batch === undefined
        ? oneStatementWrites(pool)
        : batchedOneStatementWrites(options.ledgerPool ?? pool, options.batch),
    async transaction(work) {
      try {
        return await withTransaction(pool, (client) => work(ledgerTransaction(client)));
      } catch (error) {
        throw asLedgerError(error);
      }
    },
    reconciliation: reconciliationStore(pool),
    audit: postgresOperatorAuditStore(pool),
  };
}

function ledgerTransaction(client: PoolClient): LedgerTransaction {
  return {
    claim: (key) => claim(client, key),
    record: (key, response) => record(client, key, response),
    openAccount: (kind, owner, currency) => openAccount(client, kind, owner, currency),
    async topUp(topUp) {
      const balanceMinor = await topUpAccount(client, topUp, randomUUID());
      return { amountMinor: minorUnits(balanceMinor), currency: topUp.amount.currency };
    },
    refund: (refund) => refundHold(client, refund),
    expireDueHolds: (limit) => expireDueHolds(client, limit),
    processOnce: (consumer, eventId) => processOnce(client, consumer, eventId),
    async appendEvent(event) {
      await appendEvent(client, event);
    },
    async appendEvents(events) {
      await appendEvents(client, events);
    },
    appendAudit: (audit) => postgresOperatorAuditStore(client).append(audit),
  };
}
