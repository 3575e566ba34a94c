// What transit's commands, queries and workers need from storage, said as the business says it. app/ owns these
// interfaces; store/ implements them over PostgreSQL (all SQL lives there) and turns rows into these typed values
// once: money as MinorUnits with its currency, times as milliseconds, service dates as YYYY-MM-DD.
import type { MinorUnits } from '@citypass/platform/money';
import type { NewEvent } from '@citypass/platform/outbox';
import type { OperatorAuditStore } from '@citypass/platform/operator_audit';
import type { Adjustment, ChargedJourney } from '../domain/adjustments.ts';
import type { FareRules } from '../domain/fare_rules.ts';
import type { DayTotal } from '../domain/statement.ts';
import type { Tap } from '../domain/tap.ts';
import type { JourneyBooks } from '../domain/wallet_reconciliation.ts';

export interface TransitStore {
  readonly taps: TapStore;
  readonly riders: RiderStore;
  readonly steps: SettlementStepStore;
  readonly journeys: JourneyChargeStore;
  readonly denyList: DenyListStore;
  readonly gateAssignments: GateAssignmentStore;
  readonly fareRules: FareRuleStore;
  readonly audit: OperatorAuditStore;
  /** Writes an event to the outbox, committed with the rest of the transaction. */
  appendEvent(event: NewEvent): Promise<void>;
  /** False if `consumer` already processed the event (inbox). */
  processOnce(consumer: string, eventId: string): Promise<boolean>;
  /** Runs `work` in one transaction. */
  transaction<T>(work: (tx: TransitStore) => Promise<T>): Promise<T>;
}

export interface TapStore {
  /** The resident's taps from `fromMs` (and before `untilMs`, if given), in time order. */
  between(residentId: string, fromMs: number, untilMs?: number): Promise<Tap[]>;
  /** The trace a tap was decided in (empty if unknown). */
  traceContextOf(tapId: string): Promise<Readonly<Record<string, string>>>;
  /** The presentation a recorded tap carried (the mandate its journey is charged with) and its station. */
  mandateOf(tapId: string): Promise<{ readonly presentation: string; readonly stationId: string } | undefined>;
  /**
   * Riders who tapped in [fromMs, untilMs), by resident id after `afterResidentId`, at most `limit` of them, each
   * with their concession and their taps in that time in time order.
   */
  ridersBetween(fromMs: number, untilMs: number, afterResidentId: string, limit: number): Promise<RiderTaps[]>;
}

/** One rider's taps in a time range, with the concession settlement prices them at. */
export interface RiderTaps {
  readonly residentId: string;
  readonly concession: string;
  readonly taps: readonly Tap[];
}

/** A tap a gate opened for, as recorded. */
export interface TapRecord {
  readonly id: string;
  readonly gateId: string;
  /** The gate client (gate:<client>) that sent it. */
  readonly gateClient: string;
  readonly stationId: string;
  readonly direction: 'in' | 'out';
  readonly tappedAtMs: number;
  readonly residentId: string;
  readonly credentialId: string;
  readonly concession: string;
  readonly presentationNonce: string;
  readonly presentation: string;
  readonly source: 'online' | 'offline';
  /** The trace the tap was decided in (traceFields), continued by its settlement. */
  readonly traceContext: Readonly<Record<string, string>>;
}

export type RecordOutcome = 'recorded' | 'already_recorded' | 'replayed' | 'same_instant' | 'tap_id_reused';

/**
 * Records taps and marks their riders due for settlement. A tap that is not new is explained: the same tap id
 * with the same presentation, gate, gate client and direction is a retry (its first answer stands); the tap id
 * with anything else is a reused tap id; the presentation under another tap id is a replay; a second tap of one
 * resident at the same instant cannot be priced.
 */
export interface TapRecorder {
  record(record: TapRecord): Promise<RecordOutcome>;
  /** The outcome of each, in order. */
  recordBatch(records: readonly TapRecord[]): Promise<RecordOutcome[]>;
}

export interface Rider {
  readonly concession: string;
  /** Bumped by every new tap; settlement records the version it priced. */
  readonly tapVersion: bigint;
}

/** Held by one settler at a time per rider, across instances. */
export interface RiderLease {
  /** Extends the lease; throws if another settler took it meanwhile (this one stalled past its lease). */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export interface RiderStore {
  find(residentId: string): Promise<Rider | undefined>;
  /** Riders with something to do: new taps, an open journey due at `nowMs`, or pending steps. */
  due(limit: number, nowMs: number): Promise<string[]>;
  /** Settlement priced taps up to `tapVersion`; look again at `recheckAtMs` (an open journey's end), if any. */
  markPriced(residentId: string, tapVersion: bigint, recheckAtMs: number | undefined): Promise<void>;
  /** Nothing to price until a top-up: every tap counts as priced and no recheck is due. */
  markWaitingForTopUp(residentId: string): Promise<void>;
  /** The rider's lease, or undefined while another settler holds it. */
  takeLease(residentId: string): Promise<RiderLease | undefined>;
}

export interface SettlementStep {
  readonly id: string;
  readonly journeyId: string;
  readonly serviceDate: string;
  readonly kind: 'charge' | 'refund';
  readonly amountMinor: MinorUnits;
  readonly currency: string;
  /** What the journey is charged once this step is done. */
  readonly chargedAfterMinor: MinorUnits;
  readonly mandateTapId: string;
  readonly attempt: number;
  readonly status: 'pending' | 'declined';
}

export interface DeclinedDebt {
  readonly debtMinor: MinorUnits;
  readonly currency: string | undefined;
  readonly reason: string | undefined;
  /** The wallet's decision on the newest charge its risk engine declined; undefined when none was. */
  readonly riskDecisionId: string | undefined;
}

/** Per journey: what settlement charged so far, and whether a step is waiting ('unsettled') or 'declined'. */
export interface JourneySettlementState {
  readonly chargedMinor: MinorUnits;
  readonly open: 'unsettled' | 'declined' | undefined;
}

export interface SettlementStepStore {
  /** Pending and declined steps, in the order they were planned. */
  open(residentId: string): Promise<SettlementStep[]>;
  /** The adjustments as pending steps, each journey's own id as its mandate tap. */
  add(residentId: string, adjustments: readonly Adjustment[]): Promise<void>;
  /** `riskDecisionId`: the wallet's decision, when its risk engine declined the charge. */
  decline(stepId: string, reason: string, riskDecisionId?: string): Promise<void>;
  /** Done, or written off with a reason (no money moved). */
  finish(stepId: string, writtenOffReason?: string): Promise<void>;
  /** The sum of the resident's declined charges, their currency and a reason. */
  declinedDebt(residentId: string): Promise<DeclinedDebt>;
  /** Declined steps become pending again with a new attempt; how many. */
  retryDeclined(residentId: string): Promise<number>;
  /** Charges declined for these reasons before `beforeMs` become pending again with a new attempt. */
  retryDeclinedFor(reasons: readonly string[], beforeMs: number): Promise<void>;
  /** What has been refunded for a refund step so far. */
  refundedFor(stepId: string): Promise<MinorUnits>;
  /** A refund made against a hold for a step, and the hold's refunded total after it. */
  recordRefund(stepId: string, holdId: string, amountMinor: MinorUnits, holdRefundedMinor: MinorUnits): Promise<void>;
  settlementStates(residentId: string, fromDate: string, toDate: string): Promise<Map<string, JourneySettlementState>>;
}

export interface RefundableHold {
  readonly holdId: string;
  readonly leftMinor: MinorUnits;
}

export interface JourneyChargeStore {
  /** What was charged per service day in [fromDate - days, fromDate). */
  dayTotalsBefore(residentId: string, fromDate: string, days: number): Promise<DayTotal[]>;
  /** Each journey's charge on `fromDate` and after. */
  chargedSince(residentId: string, fromDate: string): Promise<ChargedJourney[]>;
  recordCharge(
    residentId: string,
    charge: { journeyId: string; serviceDate: string; chargedMinor: MinorUnits; currency: string },
  ): Promise<void>;
  addHold(hold: { holdId: string; residentId: string; journeyId: string; capturedMinor: MinorUnits }): Promise<void>;
  /** The journey's holds with something left to refund, newest first. */
  refundableHolds(residentId: string, journeyId: string): Promise<RefundableHold[]>;
  /** The journey a wallet hold charged, and its rider and service day; undefined for a hold transit never made. */
  journeyOfHold(holdId: string): Promise<{ residentId: string; journeyId: string; serviceDate: string } | undefined>;
  /** Every wallet hold that charged each of the resident's journeys, oldest first. */
  holdIdsByJourney(residentId: string, journeyIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
}

/** A journey: a resident's, named by its first tap. */
export interface JourneyKey {
  readonly residentId: string;
  readonly journeyId: string;
}

/** What the reconciliation with the wallet reads of transit's own books (reconcile_with_wallet.ts); reads only. */
export interface WalletReconciliationStore {
  /** Journeys charged on `fromDate` or later, ordered by service date then key, after `after`; at most `limit`. */
  journeysSince(fromDate: string, after: JourneyCursor | undefined, limit: number): Promise<JourneyBooks[]>;
  /** These journeys, those of them that settlement charged. */
  journeys(keys: readonly JourneyKey[]): Promise<JourneyBooks[]>;
  /** Which of these wallet holds a charged journey names, and which journey. */
  journeysOfHolds(holdIds: readonly string[]): Promise<ReadonlyMap<string, JourneyKey>>;
  /** Which of these settlement steps are still pending. */
  pendingSteps(stepIds: readonly string[]): Promise<ReadonlySet<string>>;
}

/** Where the previous page of journeysSince ended. */
export interface JourneyCursor extends JourneyKey {
  readonly serviceDate: string;
}

export interface DenyListEntry {
  readonly debtMinor: MinorUnits;
  readonly currency: string;
}

export interface DenyListStore {
  /** Puts the resident on the list with this debt; false if it was already there with the same debt. */
  deny(residentId: string, entry: DenyListEntry & DenyReason): Promise<boolean>;
  /** Takes the resident off the list; what they owed, or undefined if they were not on it. */
  clear(residentId: string): Promise<DenyListEntry | undefined>;
  find(residentId: string): Promise<DenyListEntry | undefined>;
  residents(): Promise<string[]>;
  /** Residents on the list, longest there first (by since, then resident id), after `after`; at most `limit`. */
  page(after: DenyListCursor | undefined, limit: number): Promise<DeniedResident[]>;
}

/** Where a page of the deny list ended: the last entry's since (epoch microseconds, exact) and resident. */
export interface DenyListCursor {
  readonly sinceMicros: bigint;
  readonly residentId: string;
}

/** Why a resident is on the deny list: the wallet's refusal, and its risk decision when its risk engine refused. */
export interface DenyReason {
  readonly reason: string;
  readonly riskDecisionId: string | undefined;
}

export interface DeniedResident extends DenyListEntry, DenyListCursor, DenyReason {}

export interface GateAssignmentStore {
  /** Gate id to the gate client that operates it. */
  all(): Promise<Map<string, string>>;
  /** These gates' clients (a gate with none is absent), locked until the transaction ends. */
  lockClientsOf(gateIds: readonly string[]): Promise<Map<string, string>>;
  assign(gateIds: readonly string[], clientId: string, operator: string): Promise<void>;
}

export interface FareRuleStore {
  /** Operators' versions, oldest first. */
  all(): Promise<FareRules[]>;
  /** The version created with this key (operator:key), if any. */
  createdBy(createdBy: string): Promise<FareRules | undefined>;
  /** Keeps other writers out until the transaction ends (reads stay allowed). */
  lockForWrite(): Promise<void>;
  /** 'effective_date_taken' if a version already takes effect on its service day. */
  add(rules: FareRules, createdBy: string): Promise<'added' | 'effective_date_taken'>;
}

/** The audit log's shapes are platform's (one home for every service that keeps the log). */
export type {
  OperatorAuditFilter,
  OperatorAuditRecord,
  OperatorAuditRow,
  OperatorAuditStore,
} from '@citypass/platform/operator_audit';
