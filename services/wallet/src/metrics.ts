// What an operator graphs for the wallet: authorization outcomes with decline reasons, risk decisions by outcome
// and rule, money captured and refunded per currency, holds expired. Call latency comes from the gRPC edge, relay lag from platform.
import { metrics } from '@opentelemetry/api';

const meter = metrics.getMeter('citypass.wallet');

export const walletMetrics = {
  authorizations: meter.createCounter('citypass.wallet.authorizations', {
    description: 'Authorizations by outcome and decline reason',
  }),
  movedMinor: meter.createCounter('citypass.wallet.moved_minor', {
    description: 'Minor units moved, by kind (top_up, capture, refund) and currency',
  }),
  holdsExpired: meter.createCounter('citypass.wallet.holds_expired', {
    description: 'Pending holds released by expiry',
  }),
  accountQueueWaiting: meter.createObservableGauge('citypass.wallet.account_queue.waiting', {
    description: 'Writes waiting in memory behind another write to the same resident account',
  }),
  ledgerBatchSize: meter.createHistogram('citypass.wallet.ledger_batch.size', {
    description: 'Hot writes committed together in one transaction (group commit), by kind',
    advice: { explicitBucketBoundaries: [1, 2, 4, 8, 16, 32, 64] },
  }),
  ledgerAborts: meter.createCounter('citypass.wallet.ledger_batch.aborts', {
    description: "Batched hot writes PostgreSQL aborted to break a deadlock (another instance's batch), sent again",
  }),
  riskDecisions: meter.createCounter('citypass.wallet.risk.decisions', {
    description: 'Risk decisions by outcome, deciding stage and rule (the strongest score rule for a score)',
  }),
  riskRuleMatches: meter.createCounter('citypass.wallet.risk.rule_matches', {
    description: 'Rules among the top reasons of a risk decision, by rule',
  }),
  riskLedgerRefusals: meter.createCounter('citypass.wallet.risk.ledger_refusals', {
    description: 'Payments the risk engine approved and the ledger refused (funds, limits, busy), recorded as attempts',
  }),
  riskShadowDecisions: meter.createCounter('citypass.wallet.risk.shadow_decisions', {
    description: 'Payments the candidate risk rule set decided in shadow, by live outcome and candidate outcome',
  }),
  riskOutcomesShared: meter.createCounter('citypass.wallet.risk.outcomes.shared', {
    description: 'Risk outcomes this instance recorded and the stream stored, for the other instances to apply',
  }),
  riskOutcomesApplied: meter.createCounter('citypass.wallet.risk.outcomes.applied', {
    description: "Other wallet instances' risk outcomes applied to this instance's engine",
  }),
  riskOutcomesDropped: meter.createCounter('citypass.wallet.risk.outcomes.dropped', {
    description:
      'Risk outcomes not shared or not applied, by reason: publish_failed, publish_backlog (this instance could not share it), duplicate, rebuilt (already counted), start_backlog, malformed',
  }),
  accountBusy: meter.createCounter('citypass.wallet.account_busy', {
    description: 'Writes refused because too many wait on one account',
  }),
  writesQueued: meter.createObservableGauge('citypass.wallet.writes.queued', {
    description: 'Writes queued in this wallet process (all accounts, waiting or in a batch being committed)',
  }),
  overloaded: meter.createCounter('citypass.wallet.overloaded', {
    description: 'Writes refused at once with WALLET_OVERLOADED: WALLET_MAX_QUEUED_WRITES were queued',
  }),
  ledgerExpired: meter.createCounter('citypass.wallet.ledger_batch.expired', {
    description: "Hot writes dropped unwritten as their batch was formed, their caller's deadline passed, by kind",
  }),
};
