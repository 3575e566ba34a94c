// Risk scoring at authorization (issue 13): one synchronous step between the verified mandate and the ledger's
// statement, in authorize and charge alike (gRPC and NATS both run them). No I/O and no await: the engine decides
// from memory. A block rule declines (RISK_BLOCKED), a step-up rule asks the phone to present again with a fresh
// user verification (STEP_UP_REQUIRED), a score at the decline threshold declines (RISK_DECLINED); the refusal's
// message names the decision, which is kept in memory and written in a batch (workers/risk_decisions_flush.ts).
// An approval (or a review, approved to be checked) goes to the ledger with the hold and commits with it.
//
// State: the engine decides before the ledger and records only what it then knows happened. A refusal by the rules
// is recorded at once as a refused attempt; an approval only once the ledger answered: committed, as a payment
// (recordCommitted), refused (no funds, limits, account busy...), as a refused attempt whose decision is stored with
// the ledger's reason (recordLedgerRefusal), since its approval rolled back with the hold. A refused attempt counts
// where card testing shows (the merchant's) and never as money spent. server.ts replays the stored decisions of the
// last 30 days at start the same way (with a hold: a payment; without: an attempt), so a restart rebuilds the state
// a running wallet had. Two wallet instances agree by sharing state through a stream, not by routing by resident
// (NATS queue groups and gRPC balancing spread a resident's calls over instances): every outcome recorded here is
// also handed to `shared`, which publishes it for the other instances to apply to their engines, as this one
// applies theirs (bus/risk_outcomes.ts).
import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { riskDecisionIdKey, riskDecisionMention, walletReasons } from '@citypass/contracts';
import { isDomainError, permissionDenied, type DomainError } from '@citypass/platform/errors';
import type { VerifiedPresentation } from '@citypass/credential';
import type { Decision, Place, RiskEngine, RiskEvent } from '@citypass/risk';
import type { Money } from '../domain/money.ts';
import { riskEventJsonText } from '../domain/risk_event_json.ts';
import { walletMetrics } from '../metrics.ts';
import type { KnownPlaces } from './known_places.ts';
import type { RecentDecisions } from './recent_decisions.ts';
import type { RefusedDecisions } from './refused_decisions.ts';
import type { IdempotencyKey, RiskDecisionRecord } from './store.ts';

export interface RiskScoring {
  readonly engine: RiskEngine;
  /**
   * False (WALLET_RISK=observe): decide, count and store every decision, and refuse only what an operator's block
   * list names (configured, not learned); step-ups and score declines are recorded as what would have been refused.
   */
  readonly enforce: boolean;
  /** Declines and step-ups waiting to be written. */
  readonly refused: RefusedDecisions;
  /** The last decisions by idempotency key: a repeat gets its first decision and is not counted again. */
  readonly recent: RecentDecisions;
  /**
   * Where merchants and stations are (WALLET_RISK_PLACES, and positions learned from transit's taps): a placed
   * merchant's payments are judged for travel.
   */
  readonly places: KnownPlaces;
  /** Told every outcome the engine recorded, after it did (the other instances: bus/risk_outcomes.ts). */
  readonly shared: RiskOutcomeListener;
}

/** Learns each outcome this instance's engine recorded; must neither throw nor wait. */
export interface RiskOutcomeListener {
  recorded(record: RiskDecisionRecord, approved: boolean): void;
}

/** For a wallet that shares nothing (WALLET_RISK_SHARE=off). */
export const unshared: RiskOutcomeListener = { recorded: () => undefined };

/** What the wallet knows of one authorization when it scores it. */
export interface ScoredTerms {
  readonly holdId: string;
  readonly service: string;
  /** The merchant paid: the payee, or else the service. */
  readonly merchant: string;
  readonly money: Money;
  readonly settlesTap: boolean;
  /** The settled tap's station (transit's id), when the charge names it. */
  readonly stationId: string | undefined;
  /** A split (a payer's share) or a payee: a clinic's bill. */
  readonly clinic: boolean;
  readonly mandate: VerifiedPresentation;
  readonly nowMs: number;
  readonly idempotency: IdempotencyKey;
}

/**
 * Scores one authorization: its approval to store with the hold, or a refusal thrown. Undefined when scoring is off,
 * and for a repeat of a key whose payment committed: the ledger answers it from its first result and writes nothing.
 */
export function scoreAuthorization(
  scoring: RiskScoring | undefined,
  terms: ScoredTerms,
): RiskDecisionRecord | undefined {
  if (scoring === undefined) return undefined;
  const first = scoring.recent.get(terms.idempotency);
  if (first === 'committed') return undefined;
  if (first !== undefined) {
    if (first.refusalReason !== '') throw refusal(first);
    return { ...first, decisionId: randomUUID(), holdId: terms.holdId };
  }
  const event = riskEventOf(terms, scoring.places);
  const decision = scoring.engine.decide(event);
  const refusalReason = scoring.enforce || decision.stage === 'block' ? refusalOf(decision) : '';
  const record: RiskDecisionRecord = {
    decisionId: randomUUID(),
    holdId: refusalReason === '' ? terms.holdId : undefined,
    service: terms.service,
    decision,
    refusalReason,
    currency: terms.money.currency,
    event,
    eventJson: riskEventJsonText(event),
  };
  observe(decision, refusalReason);
  const shadow = scoring.engine.shadowDecision;
  if (shadow !== undefined)
    walletMetrics.riskShadowDecisions.add(1, { live: decision.outcome, candidate: shadow.outcome });
  scoring.recent.set(terms.idempotency, record);
  if (refusalReason === '') return record;
  scoring.engine.recordAttempt(event, decision);
  scoring.refused.add(record);
  scoring.shared.recorded(record, false);
  throw refusal(record);
}

/** The ledger committed the hold or charge `approval` rode with: the payment happened (recorded once per key). */
export function recordCommitted(
  scoring: RiskScoring | undefined,
  idempotency: IdempotencyKey,
  approval: RiskDecisionRecord | undefined,
): void {
  if (scoring === undefined || approval === undefined) return;
  if (!scoring.recent.claimRecording(idempotency, 'approved')) return;
  scoring.engine.recordApproved(approval.event, approval.decision);
  scoring.shared.recorded(approval, true);
}

/**
 * The ledger refused what the engine approved (`error`, a DomainError: no funds, a limit, the account busy...): a
 * refused attempt, recorded once per key and stored with the ledger's reason, as the approval rolled back with the
 * hold. Any other failure (the database gone) records nothing: the payment's fate is not known.
 */
export function recordLedgerRefusal(
  scoring: RiskScoring | undefined,
  idempotency: IdempotencyKey,
  approval: RiskDecisionRecord | undefined,
  error: unknown,
): void {
  if (scoring === undefined || approval === undefined || !isDomainError(error)) return;
  if (!scoring.recent.claimRecording(idempotency, 'attempt')) return;
  scoring.engine.recordAttempt(approval.event, approval.decision);
  scoring.refused.add({ ...approval, holdId: undefined, refusalReason: error.reason });
  scoring.shared.recorded(approval, false);
  walletMetrics.riskLedgerRefusals.add(1, { reason: error.reason });
}

function riskEventOf(terms: ScoredTerms, places: KnownPlaces): RiskEvent {
  const { mandate } = terms;
  const channel = terms.settlesTap ? 'gate' : terms.clinic ? 'clinic' : 'shop';
  return {
    // A tap's fare is scored as of the tap; anything else as of now.
    atMs: terms.settlesTap ? mandate.issuedAtMs : terms.nowMs,
    channel,
    residentId: mandate.subject,
    deviceId: mandate.deviceThumbprint,
    credentialId: mandate.credentialId,
    deviceBoundAtMs: mandate.credentialIssuedAtMs,
    merchantId: terms.merchant,
    // Thresholds and amount z-scores: fares and clinics by their category, any other merchant on its own.
    category: channel === 'gate' ? 'fare' : channel === 'clinic' ? 'clinic' : terms.merchant,
    amountMinor: terms.money.amountMinor,
    // A placed merchant's counter, or a fare's station (the journey's tap-in, as of which it is scored): judged
    // against the resident's taps before it (workers/tap_follower.ts learns them from transit's stream) and kept
    // as the resident's last place. A fare's station is placed like a tap's (an entry, or the position its taps
    // carried); one placed by neither is kept by id alone.
    place: placeOf(terms, places),
    stationId: terms.stationId ?? null,
    concession: mandate.concession,
    maxFareMinor: null,
    // The mandate verifier already refused revoked credentials, replays and foreign device keys.
    credentialRevoked: false,
    presentationReplayed: false,
    deviceKeyMatches: true,
    merchantCapabilityEnabled: true,
    clinicLine: null,
  };
}

function placeOf(terms: ScoredTerms, places: KnownPlaces): Place | null {
  if (!terms.settlesTap) return places.merchant(terms.merchant) ?? null;
  return terms.stationId === undefined ? null : (places.station(terms.stationId) ?? null);
}

/** The wallet reason a caller receives for `decision`; '' for an approval (or a review). */
export function refusalOf(decision: Decision): string {
  switch (decision.outcome) {
    case 'approve':
    case 'review':
      return '';
    case 'step_up':
      return walletReasons.STEP_UP_REQUIRED;
    case 'decline':
      return decision.stage === 'block' ? walletReasons.RISK_BLOCKED : walletReasons.RISK_DECLINED;
  }
}

/** The refusal a caller receives: the stable reason, and the decision an operator can look up. */
function refusal({ decision, decisionId, refusalReason }: RiskDecisionRecord): DomainError {
  const rule = decision.reasons[0]?.ruleId ?? 'score';
  const because = `rule ${rule}, ${riskDecisionMention(decisionId)}`;
  return permissionDenied(
    refusalReason,
    decision.outcome === 'step_up'
      ? `present again with a fresh user verification on the phone (${because})`
      : `declined by the risk rules (${because})`,
    { [riskDecisionIdKey]: decisionId },
  );
}

function observe(decision: Decision, refusalReason: string): void {
  // The deciding rule (block, allow, step-up) or the score's strongest; 'none' for a clean score.
  const rule = decision.reasons[0]?.ruleId ?? 'none';
  walletMetrics.riskDecisions.add(1, { outcome: decision.outcome, stage: decision.stage, rule });
  for (const reason of decision.reasons) walletMetrics.riskRuleMatches.add(1, { rule: reason.ruleId });
  trace.getActiveSpan()?.setAttributes({
    'citypass.risk.outcome': decision.outcome,
    'citypass.risk.score': decision.score ?? -1,
    'citypass.risk.rule_set': decision.ruleSetVersion,
    ...(refusalReason === '' ? {} : { 'citypass.risk.refusal': refusalReason }),
  });
}
