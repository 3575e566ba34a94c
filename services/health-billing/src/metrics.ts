// What an operator graphs for health billing: bills finalized, paid and voided (and how), how long adjudication and
// each wallet call take (by outcome), and the sweeper's backlog (bills past their deadline still to void, payments
// stalled still to finish). Call latency at the edge comes from the gRPC server (rpc.server.duration), relay lag
// from platform, bills flagged for review by rule. No attribute names a code, a patient or a bill: only states,
// operations, rules and stable reasons.
import { metrics } from '@opentelemetry/api';
import type { ReviewFlagRecord } from './app/store.ts';

const meter = metrics.getMeter('citypass.health_billing');

/** How a bill reached its state: the `outcome` attribute of `bills`. */
export type BillTransition =
  | { readonly state: 'finalized'; readonly outcome: 'awaiting_payment' | 'nothing_to_collect' }
  | { readonly state: 'paid'; readonly outcome: 'wallet' | 'nothing_to_collect' }
  | { readonly state: 'voided'; readonly outcome: 'deadline_passed' | 'refused_after_deadline' };

export const healthBillingMetrics = {
  bills: meter.createCounter('citypass.health_billing.bills', {
    description: 'Bills reaching a state (finalized, paid, voided), by state and outcome',
  }),
  adjudicationDuration: meter.createHistogram('citypass.health_billing.adjudication.duration', {
    description: 'Time the engine takes to adjudicate a bill (finalizing or correcting it), I/O excluded',
    unit: 'ms',
    advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50] },
  }),
  walletCallDuration: meter.createHistogram('citypass.health_billing.wallet_call.duration', {
    description: 'Wallet request/reply calls over NATS, by operation, outcome and reason',
    unit: 'ms',
    advice: { explicitBucketBoundaries: [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] },
  }),
  reviewFlags: meter.createCounter('citypass.health_billing.review_flags', {
    description: 'Review flags put on finalized bills (a clinic far above its peers for a code), by rule',
  }),
  sweeperBacklog: meter.createObservableGauge('citypass.health_billing.sweeper_backlog', {
    description:
      "Bills the sweeper found at its last pass, by kind (overdue: past their deadline, to void; stalled: payments to finish); capped at the sweeper's batch",
  }),
};

/** Counts a bill's transition; called once its transaction has committed. */
export function countBill(transition: BillTransition): void {
  healthBillingMetrics.bills.add(1, { state: transition.state, outcome: transition.outcome });
}

/** Counts the review flags a finalize put on its bill; called once its transaction has committed. */
export function countReviewFlags(flags: readonly ReviewFlagRecord[]): void {
  for (const flag of flags) healthBillingMetrics.reviewFlags.add(1, { rule: flag.rule });
}
