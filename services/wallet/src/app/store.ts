// What the wallet's commands, queries and workers need from the ledger's database. app/ owns these interfaces and
// store/ implements them (all SQL lives there); rows arrive here as typed values, money as bigint minor units
// with its currency.
import type { Hold, StatementLine } from '@citypass/proto/wallet/v1/wallet';
import type { Decision, RecordedEvent, RiskEvent } from '@citypass/risk';
import type { MinorUnits } from '@citypass/platform/money';
import type { NewEvent } from '@citypass/platform/outbox';
import type { Money } from '../domain/money.ts';
import type { RiskLimits } from './deps.ts';
import type { OperatorAuditRecord, OperatorAuditStore } from '@citypass/platform/operator_audit';
import type { ReconciliationStore } from './reconciliation_report.ts';
import type { RiskRuleSetStore } from './risk_rule_sets.ts';
import type { MerchantPlaceStore } from './merchant_places.ts';

export interface WalletStore {
  readonly accounts: AccountReads;
  readonly holds: HoldReads;
  readonly statements: StatementReads;
  readonly idempotency: IdempotencyReads;
  readonly declines: DeclineCounts;
  readonly riskDecisions: RiskDecisionStore;
  readonly riskRuleSets: RiskRuleSetStore;
  /** Where onboarded services' counters are (merchant_places.ts). */
  readonly merchantPlaces: MerchantPlaceStore;
  /** The hot writes, one statement each (see store/ledger/authorize_once.sql). */
  readonly oneStatement: OneStatementWrites;
  /** Runs `work` in one transaction, retried on serialization failures and deadlocks. */
  transaction<T>(work: (tx: LedgerTransaction) => Promise<T>): Promise<T>;
  /** The books checked on a read-only snapshot, and the runs kept. */
  readonly reconciliation: ReconciliationStore;
  /** The audit log of operator actions, for reading (actions append theirs in their own transaction). */
  readonly audit: OperatorAuditStore;
}

/** `payer`: an insurer's account, funded like a resident's, that pays the payer's leg of split holds. */
export type AccountKind = 'resident' | 'merchant' | 'float' | 'payer';

export interface AccountBalance {
  readonly balance: Money;
  readonly held: Money;
}

export interface AccountReads {
  /** The resident's account in `currency`, or undefined before their first top-up or credential. */
  residentBalance(residentId: string, currency: string): Promise<AccountBalance | undefined>;
  /** The payer's account in `currency`, or undefined if it has none (it is not an onboarded insurer). */
  payerBalance(payer: string, currency: string): Promise<AccountBalance | undefined>;
  /** A service's merchant account in `currency` (its balance only: nothing is reserved on it), or undefined. */
  merchantBalance(service: string, currency: string): Promise<bigint | undefined>;
  /** The currencies of the resident's accounts, at most `limit`. */
  residentCurrencies(residentId: string, limit: number): Promise<string[]>;
}

/** Keyset pagination: the last item of the previous page, newest first. */
export interface PageCursor {
  readonly at: string;
  readonly id: string;
}

export interface HoldReads {
  /** One of `service`'s holds; another service's hold is not found. */
  find(service: string, holdId: string): Promise<Hold | undefined>;
  list(service: string, status: string, before: PageCursor | undefined, limit: number): Promise<Hold[]>;
}

export interface StatementReads {
  /** The resident's account's transfers, newest first; amounts signed (negative for money out). */
  lines(residentId: string, currency: string, before: PageCursor | undefined, limit: number): Promise<StatementLine[]>;
  /** A service's captures and refunds posted on `date` (UTC, YYYY-MM-DD) in `currency`. */
  settlementTotals(service: string, date: string, currency: string): Promise<SettlementTotals>;
}

export interface SettlementTotals {
  readonly captured: { readonly totalMinor: bigint; readonly count: number };
  readonly refunded: { readonly totalMinor: bigint; readonly count: number };
}

/** Declined authorizations per UTC day (YYYY-MM-DD), service and reason. */
export interface DeclineCount {
  readonly day: string;
  readonly service: string;
  readonly reason: string;
  readonly count: bigint;
}

export interface DeclineCounts {
  /** Adds the counts (one statement): rows for new (day, service, reason) are made, others grow. */
  add(counts: readonly DeclineCount[]): Promise<void>;
  /** The day's counts, most declined first, at most `limit`; only `service`'s when it is not ''. */
  onDay(day: string, limit: number, service: string): Promise<DeclineCount[]>;
}

/** One risk decision as stored: what the engine decided and the facts it scored (risk_decisions). */
export interface RiskDecisionRecord {
  readonly decisionId: string;
  /** The hold it approved; undefined for a decline or a step-up. */
  readonly holdId: string | undefined;
  readonly service: string;
  readonly decision: Decision;
  /**
   * The wallet reason the caller received (RISK_DECLINED, STEP_UP_REQUIRED, RISK_BLOCKED, or the ledger's when it
   * refused an approval: INSUFFICIENT_FUNDS, ...); '' when approved.
   */
  readonly refusalReason: string;
  readonly currency: string;
  readonly event: RiskEvent;
  /**
   * `event` as JSON (domain/risk_event_json.ts), made once when the engine decided: the stored row
   * (store/risk_decisions.ts) and the outcome shared with the other instances (bus/risk_outcomes.ts) both carry it.
   */
  readonly eventJson: string;
}

export type RiskDecisionKey = { readonly decisionId: string } | { readonly holdId: string };

export interface RiskDecisionStore {
  /** Declines and step-ups (no hold), many in one statement. */
  addRefused(records: readonly RiskDecisionRecord[]): Promise<void>;
  find(key: RiskDecisionKey): Promise<RiskDecisionRecord | undefined>;
  /**
   * The decisions made since `since`, oldest first, at most `limit` (the newest ones), each approved when it made a
   * hold (else a refused attempt, by the rules or by the ledger), in one array: the shadow report's backtest.
   */
  outcomesSince(since: Date, limit: number): Promise<RecordedEvent[]>;
  /**
   * The same, for the engine's replay at start: handed to `replay` a page at a time (memory holds one page, not the
   * window); resolves to the count. `settle`, if given, runs after the last page in the same snapshot, to ask which
   * decisions the replay counted (shared outcomes not to apply twice).
   */
  replayOutcomesSince(
    since: Date,
    limit: number,
    replay: (outcomes: readonly RecordedEvent[]) => void,
    settle?: (snapshot: ReplaySnapshot) => Promise<void>,
  ): Promise<number>;
}

/** Questions about the decisions a replay counted, answered in the replay's snapshot. */
export interface ReplaySnapshot {
  /** Which of `decisionIds` the replay counted. */
  counted(decisionIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** The ids of the newest `limit` decisions it counted, oldest first. */
  newest(limit: number): Promise<readonly string[]>;
}

/** An idempotent request: `operation` scopes the key (`<caller>:<command>`); `request` is the request without its key. */
export interface IdempotencyKey {
  readonly operation: string;
  readonly key: string;
  /** The SHA-256 of the request without its key (request_digest.ts): what a repeat must match. */
  readonly requestDigest: Buffer;
}

export interface IdempotencyReads {
  /** The response stored for a key used before with the same request, if any (for repeats that can no longer run). */
  storedResponse(key: IdempotencyKey): Promise<Buffer | undefined>;
}

/** A hot write's claim: the response and the event follow from the request, so they are computed beforehand. */
export interface OneStatementCall extends IdempotencyKey {
  readonly response: Uint8Array;
  readonly event: NewEvent;
  /** The caller's deadline (epoch ms): a write still waiting for its batch then is dropped, unwritten. */
  readonly deadlineMs?: number;
}

export interface NewHold {
  readonly holdId: string;
  readonly service: string;
  readonly residentId: string;
  readonly credentialId: string;
  /** holds.mandate_nonce, unique across every hold. */
  readonly mandateNonce: string;
  /** The resident's leg: 0 only when the payer's is not. */
  readonly amount: Money;
  readonly reference: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly risk: RiskLimits;
  /** The risk engine's approval, written with the hold; undefined when scoring is off. */
  readonly riskDecision?: RiskDecisionRecord | undefined;
  /** The merchant paid when it is not `service`. */
  readonly payee: string | undefined;
  /** The payer's leg of a split hold, in the same currency. */
  readonly payerShare: PayerLeg | undefined;
}

export interface PayerLeg {
  readonly payer: string;
  readonly amountMinor: MinorUnits;
}

/** A charge's claim: the events of the authorize and the capture it stands for, in that order. */
export interface ChargeCall extends OneStatementCall {
  readonly capturedEvent: NewEvent;
}

/** A hold made captured in full (every leg posted whole), never pending. */
export interface NewCharge extends Omit<NewHold, 'expiresAt'> {
  /** The resident's leg's transfer; posted only when that leg is above 0. */
  readonly transferId: string;
  /** The payer's leg's transfer, when the charge is split. */
  readonly payerTransferId: string;
}

/** Amounts per leg (domain/legs.ts); each leg posts its own transfer when its amount is above 0. */
export interface HoldCapture {
  readonly holdId: string;
  readonly service: string;
  readonly amountMinor: MinorUnits;
  readonly transferId: string;
  readonly payerAmountMinor: MinorUnits;
  readonly payerTransferId: string;
  readonly now: Date;
}

export interface HoldVoid {
  readonly holdId: string;
  readonly service: string;
  readonly now: Date;
}

/** Each returns the response bytes: this call's, or the first call's when the key was used before. */
export interface OneStatementWrites {
  authorize(call: OneStatementCall, hold: NewHold): Promise<Buffer>;
  capture(call: OneStatementCall, capture: HoldCapture): Promise<Buffer>;
  void(call: OneStatementCall, release: HoldVoid): Promise<Buffer>;
  charge(call: ChargeCall, charge: NewCharge): Promise<Buffer>;
}

export interface TopUp {
  readonly transferId: string;
  /** The account credited: a resident's (opened on their first top-up) or a payer's (which must exist). */
  readonly to: { readonly residentId: string } | { readonly payer: string };
  readonly amount: Money;
  /** Unique among top-ups: a second one with it is refused (FUNDING_REFERENCE_USED). */
  readonly reference: string;
  readonly now: Date;
}

export interface HoldRefund {
  readonly holdId: string;
  readonly service: string;
  readonly amountMinor: MinorUnits;
  readonly transferId: string;
  readonly payerAmountMinor: MinorUnits;
  readonly payerTransferId: string;
  readonly reason: string;
  readonly now: Date;
}

export interface LedgerTransaction {
  /** Claims the key for this transaction; undefined when it is new, else the response stored for it. */
  claim(key: IdempotencyKey): Promise<Buffer | undefined>;
  /** The response of the key this transaction claimed. */
  record(key: IdempotencyKey, response: Uint8Array): Promise<void>;
  /** Opens (kind, owner, currency) unless it exists; `opened` says whether this call made it. */
  openAccount(
    kind: AccountKind,
    owner: string,
    currency: string,
  ): Promise<{ readonly accountId: string; readonly opened: boolean }>;
  /** Credits the resident or the payer from the city's float; returns the account's balance after it. */
  topUp(topUp: TopUp): Promise<Money>;
  /** Returns the hold after the refund. */
  refund(refund: HoldRefund): Promise<Hold>;
  /** Expires up to `limit` pending holds past their expiry on the database's clock; returns them as expired. */
  expireDueHolds(limit: number): Promise<Hold[]>;
  /** Records that `consumer` processed `eventId`; true the first time. */
  processOnce(consumer: string, eventId: string): Promise<boolean>;
  /** Writes the event to the outbox: it exists exactly when the transaction commits. */
  appendEvent(event: NewEvent): Promise<void>;
  /** Writes the events to the outbox in one statement, in order. */
  appendEvents(events: readonly NewEvent[]): Promise<void>;
  /** Appends an operator action to the audit log: it exists exactly when the transaction commits. */
  appendAudit(record: OperatorAuditRecord): Promise<void>;
}
