// What health billing's commands, queries and workers need from storage, said as the business says it. app/ owns
// these interfaces; store/ implements them over PostgreSQL (all SQL lives there) and turns rows into typed values
// once. Medical text reaches the store already sealed (Sealer) and leaves it sealed: the store never sees a key.
import type { NewEvent } from '@citypass/platform/outbox';
import type { PlanVersionInput } from '../domain/plan.ts';
import type { PreauthorizationState } from '../domain/preauthorization.ts';

export interface HealthBillingStore {
  readonly parties: PartyStore;
  readonly codes: CodeStore;
  readonly plans: PlanStore;
  readonly feeSchedules: FeeScheduleStore;
  readonly bills: BillStore;
  readonly clinicCodeDays: ClinicCodeDayStore;
  readonly accumulators: AccumulatorStore;
  readonly corrections: CorrectionStore;
  readonly preauthorizations: PreauthorizationStore;
  readonly billPages: BillPageStore;
  readonly settlement: SettlementStore;
  readonly presentations: PresentationStore;
  /** Writes an event to the outbox, committed with the rest of the transaction. */
  appendEvent(event: NewEvent): Promise<void>;
  /** False if `consumer` already processed the event (inbox). */
  processOnce(consumer: string, eventId: string): Promise<boolean>;
  /**
   * Claims an idempotency key for `operation` in this transaction: the stored response if the same request was
   * answered before; IDEMPOTENCY_KEY_REUSED if another request was.
   */
  claim(operation: string, key: string, request: Uint8Array): Promise<Buffer | undefined>;
  /** Remembers the response of the request claimed under (operation, key), committed with the transaction. */
  remember(operation: string, key: string, response: Uint8Array): Promise<void>;
  /**
   * Records, in this transaction, that `actor` read the patient's medical details on a bill (the append-only audit
   * log): if it cannot be written, the read fails with it.
   */
  recordMedicalRead(entry: MedicalRead): Promise<void>;
  /** As recordMedicalRead, for a read of a pre-authorization's codes and reasons. */
  recordPreauthorizationRead(entry: PreauthorizationRead): Promise<void>;
  /** Runs `work` in one transaction. */
  transaction<T>(work: (tx: HealthBillingStore) => Promise<T>): Promise<T>;
}

export interface MedicalRead {
  /** `clinic:<client>`, `operator:<client>`, ... */
  readonly actor: `${'clinic' | 'resident' | 'insurer' | 'operator'}:${string}`;
  /** The patient's resident id. */
  readonly subject: string;
  readonly billId: string;
  readonly purpose: 'treatment' | 'payment' | 'patient_access';
  /** What was read; default `bill.read`. */
  readonly action?: 'bill.read' | 'eob.read' | 'fhir.export';
}

export interface PreauthorizationRead {
  readonly actor: `${'clinic' | 'insurer'}:${string}`;
  /** The patient's resident id. */
  readonly subject: string;
  readonly preauthorizationId: string;
  readonly purpose: 'treatment' | 'payment';
}

/** Seals medical text at rest; the context binds a sealed value to its row and field. */
export interface Sealer {
  seal(plaintext: string, context: string): Buffer;
  open(sealed: Uint8Array, context: string): string;
  /**
   * The keyed digest of `value` for `purpose` under every key of the ring, the active key's first: equal values
   * match in the database without being readable there, across a key rotation too.
   */
  digests(value: string, purpose: string): Buffer[];
}

export type PartyKind = 'clinic' | 'insurer';

export interface PartyStore {
  /** Records an onboarded clinic or insurer; false if it was known. */
  add(party: { name: string; kind: PartyKind; displayName: string; onboardedAtMs: number }): Promise<boolean>;
  has(name: string, kind: PartyKind): Promise<boolean>;
}

export interface SealedCode {
  readonly code: string;
  readonly category: string;
  readonly descriptionSealed: Buffer;
  /** The most one line may bill per visit; 0: no maximum beyond a line's 1-100. */
  readonly maxQuantity: number;
}

export interface CodeStore {
  /** Adds or replaces catalogue entries. */
  put(codes: readonly SealedCode[], atMs: number): Promise<void>;
  /** The entries known among `codes` (a missing one is absent from the map). */
  find(codes: readonly string[]): Promise<ReadonlyMap<string, SealedCode>>;
  /** Every entry's code and category (the engine's catalogue; descriptions stay sealed). */
  all(): Promise<{ code: string; category: string }[]>;
}

/** One stored plan version: the engine's input (bigints as strings in the store), its insurer and currency. */
export interface PlanVersionRecord {
  readonly planId: string;
  readonly version: number;
  readonly insurer: string;
  readonly currency: string;
  readonly effectiveFrom: string;
  /** The engine's PlanVersionInput. */
  readonly rules: PlanVersionInput;
}

export interface PlanStore {
  /** Locks the plan's versions for the rest of the transaction (two puts of one plan take turns). */
  lock(planId: string): Promise<void>;
  add(version: PlanVersionRecord, createdBy: string, atMs: number): Promise<void>;
  /** The plan's versions, oldest first (empty: no such plan). */
  versions(planId: string): Promise<PlanVersionRecord[]>;
  /** Every plan's versions, by plan then version. */
  all(): Promise<PlanVersionRecord[]>;
}

export interface FeeScheduleStore {
  /** Replaces the clinic's schedule in `currency`. */
  replace(clinic: string, currency: string, entries: ReadonlyMap<string, bigint>): Promise<void>;
  /** The clinic's allowed amounts per code in `currency` (empty: no schedule). */
  of(clinic: string, currency: string): Promise<ReadonlyMap<string, bigint>>;
}

/** reversed: paid, then voided or replaced (every line cancelled, both shares refunded). */
export type BillStatus = 'open' | 'awaiting_payment' | 'paying' | 'paid' | 'voided' | 'reversed';

export interface LineAdjustment {
  /** CO (the clinic's), PR (the patient's), OA. */
  readonly group: string;
  /** The CARC number, e.g. "45". */
  readonly reasonCode: string;
  readonly amountMinor: bigint;
}

/** A line's adjudication: billed = writtenOff + patient + plan. Amounts and CARC codes only. */
export interface LineOutcome {
  readonly allowedMinor: bigint;
  readonly writtenOffMinor: bigint;
  readonly patientMinor: bigint;
  readonly planMinor: bigint;
  readonly adjustments: readonly LineAdjustment[];
}

export interface BillLineRecord {
  readonly lineId: string;
  readonly seq: number;
  readonly codeSealed: Buffer;
  readonly category: string;
  /** YYYY-MM-DD. */
  readonly serviceDate: string;
  readonly quantity: number;
  readonly unitPriceMinor: bigint;
  readonly billedMinor: bigint;
  readonly noteSealed: Buffer | undefined;
  readonly outcome: LineOutcome | undefined;
  /** Cancelled by a correction: kept with its last outcome; the bill's totals and accumulators leave it out. */
  readonly cancelled: boolean;
}

export interface BillRecord {
  readonly billId: string;
  readonly clinic: string;
  readonly patientId: string;
  readonly credentialId: string;
  readonly concession: string;
  readonly planId: string;
  readonly planVersion: number;
  readonly planYear: number;
  readonly insurer: string;
  readonly currency: string;
  readonly status: BillStatus;
  readonly billedMinor: bigint;
  readonly writtenOffMinor: bigint;
  readonly patientMinor: bigint;
  readonly planMinor: bigint;
  readonly createdAtMs: number;
  readonly payByMs: number | undefined;
  readonly walletKey: string | undefined;
  /** While paying: the patient's mandate, sealed, to repeat the wallet calls after a restart. */
  readonly payPresentationSealed: Buffer | undefined;
  readonly holdId: string | undefined;
  /** Given back by corrections (committed; the wallet's refund may be pending). */
  readonly refundedPatientMinor: bigint;
  readonly refundedPlanMinor: bigint;
  /** A replacement bill: the paid bill it replaces. */
  readonly replacesBillId: string | undefined;
  /** Why the finalized bill awaits a review (no code in them); empty for most. */
  readonly reviewFlags: readonly ReviewFlagRecord[];
  readonly lines: readonly BillLineRecord[];
}

/** A rule that flagged a finalized bill for review, and the figures behind it (the ReviewFlag message). */
export interface ReviewFlagRecord {
  readonly rule: string;
  readonly ruleVersion: number;
  readonly lineIndex: number;
  readonly windowDays: number;
  readonly clinicLines: number;
  readonly peers: number;
  readonly peersMedian: number;
  readonly threshold: number;
}

export type NewBill = { readonly checkinNonce: string; readonly replacesBillId?: string } & Omit<
  BillRecord,
  | 'status'
  | 'billedMinor'
  | 'writtenOffMinor'
  | 'patientMinor'
  | 'planMinor'
  | 'payByMs'
  | 'walletKey'
  | 'holdId'
  | 'refundedPatientMinor'
  | 'refundedPlanMinor'
  | 'replacesBillId'
  | 'reviewFlags'
  | 'lines'
>;

/** A paid bill after a correction: which lines changed, every active line's new outcome, what it gives back. */
export interface BillCorrectionChange {
  readonly cancelledLineIds: readonly string[];
  /** New billed amounts of re-priced lines. */
  readonly repricedBilledMinor: ReadonlyMap<string, bigint>;
  /** The outcome of every line still active. */
  readonly outcomes: ReadonlyMap<string, LineOutcome>;
  readonly patientRefundMinor: bigint;
  readonly planRefundMinor: bigint;
  /** reversed when no line is left active. */
  readonly status: 'paid' | 'reversed';
  readonly atMs: number;
}

export interface BillStore {
  /** 'replayed': a bill was already opened with this check-in presentation. */
  open(bill: NewBill): Promise<'opened' | 'replayed'>;
  /** The bill with its lines; `forUpdate` locks it for the rest of the transaction. */
  get(billId: string, options?: { forUpdate?: boolean }): Promise<BillRecord | undefined>;
  addLine(billId: string, line: Omit<BillLineRecord, 'outcome' | 'cancelled'>): Promise<void>;
  /** Records each line's outcome and the totals; the bill awaits payment until `payByMs`. */
  finalize(billId: string, outcomes: ReadonlyMap<string, LineOutcome>, atMs: number, payByMs: number): Promise<void>;
  /** The wallet calls that pay the bill are under way under `walletKey` with the sealed mandate. */
  markPaying(billId: string, payment: { walletKey: string; presentationSealed: Buffer; atMs: number }): Promise<void>;
  /** The wallet refused the payment: the bill awaits another one. */
  markAwaitingPayment(billId: string): Promise<void>;
  /** `holdId` undefined: nothing was collected (both shares 0). */
  markPaid(billId: string, holdId: string | undefined, atMs: number): Promise<void>;
  markVoided(billId: string, atMs: number): Promise<void>;
  /** Applies a correction to a paid bill: lines, totals over the active lines, refunded amounts, status. */
  applyCorrection(billId: string, change: BillCorrectionChange): Promise<void>;
  /** Bills awaiting payment whose deadline has passed, oldest first. */
  overdue(nowMs: number, limit: number): Promise<string[]>;
  /** Bills whose payment began before `beganBeforeMs` and has not finished (a crash or a lost answer). */
  stalledPayments(beganBeforeMs: number, limit: number): Promise<string[]>;
  /** A patient's bills, newest first. */
  ofPatient(patientId: string, limit: number): Promise<BillRecord[]>;
  /**
   * The active lines billed to the patient on `serviceDates` in their other finalized bills (awaiting payment,
   * paying or paid), at any clinic, that charge the patient or the plan something, at most `limit`: codes sealed,
   * for the same-day checks. A line wholly written off (denied, e.g. CO-197) charged nobody: billing it again is a
   * resubmission.
   */
  patientDayLines(
    query: { patientId: string; serviceDates: readonly string[]; exceptBillId: string },
    limit: number,
  ): Promise<{ lineId: string; clinic: string; codeSealed: Buffer; serviceDate: string; quantity: number }[]>;
  /** Stores why the finalized bill awaits a review. */
  flagForReview(billId: string, flags: readonly ReviewFlagRecord[]): Promise<void>;
}

/** Finalized lines counted per code (by keyed digest), day and clinic: what the clinic peers check reads. */
export interface ClinicCodeDayStore {
  /**
   * Per code (each given as its digests under every ring key), the lines each clinic billed after `sinceDay`
   * (YYYY-MM-DD), by clinic; clinics with none are absent.
   */
  linesByClinic(codes: readonly (readonly Buffer[])[], sinceDay: string): Promise<Map<string, number>[]>;
  /** Sets each line's code digest and counts the lines on `day` for `clinic`. */
  record(clinic: string, day: string, lines: readonly { lineId: string; codeDigest: Buffer }[]): Promise<void>;
  /**
   * Takes the bill's lines `lineIds` back out of the counts they were recorded in: under each line's stored code
   * digest, the bill's clinic and its finalize day. Lines never counted (no digest: never finalized) change nothing.
   */
  takeBack(billId: string, lineIds: readonly string[]): Promise<void>;
}

/** A member's use of their plan in one plan year, summed from each line's contribution. */
export interface AccumulatorTotals {
  readonly deductibleMinor: bigint;
  readonly outOfPocketMinor: bigint;
  readonly visitsByCategory: ReadonlyMap<string, number>;
  readonly planPaidByCategory: ReadonlyMap<string, bigint>;
}

export interface Contribution {
  readonly lineId: string;
  readonly category: string;
  readonly deductibleMinor: bigint;
  readonly outOfPocketMinor: bigint;
  readonly visits: number;
  readonly planPaidMinor: bigint;
}

export interface MemberYear {
  readonly patientId: string;
  readonly planId: string;
  readonly planYear: number;
}

export interface AccumulatorStore {
  /** Locks the member's year for the rest of the transaction (two adjudications for one member take turns). */
  lock(member: MemberYear): Promise<void>;
  totals(member: MemberYear): Promise<AccumulatorTotals>;
  add(member: MemberYear, billId: string, contributions: readonly Contribution[]): Promise<void>;
  /** Removes what the bill's lines added. */
  removeBill(billId: string): Promise<void>;
  /** What the bill's lines added, line by line. */
  ofBill(billId: string): Promise<Contribution[]>;
}

export type CorrectionKind = 'correct' | 'void' | 'replace';
/** none: nothing goes back through the wallet; pending: committed, the wallet's refund not confirmed yet. */
export type RefundState = 'none' | 'pending' | 'refunded' | 'refused';

export interface CorrectionRecord {
  readonly correctionId: string;
  readonly billId: string;
  readonly kind: CorrectionKind;
  readonly cancelledLineIds: readonly string[];
  readonly repricedLineIds: readonly string[];
  readonly patientRefundMinor: bigint;
  readonly planRefundMinor: bigint;
  readonly writtenOffDeltaMinor: bigint;
  readonly refundState: RefundState;
  /** The wallet refund's idempotency key (refund:<correction id>); undefined when nothing is refunded. */
  readonly walletKey: string | undefined;
  readonly idempotencyKey: string;
  /** `clinic:<client id>`. */
  readonly correctedBy: string;
  readonly correctedAtMs: number;
  /** Medical free text, sealed. */
  readonly reasonSealed: Buffer;
}

export interface CorrectionStore {
  add(correction: CorrectionRecord): Promise<void>;
  get(correctionId: string, options?: { forUpdate?: boolean }): Promise<CorrectionRecord | undefined>;
  /** The wallet answered (refunded) or refused for good; `attempted` only stamps a retry. */
  setRefundState(correctionId: string, state: 'refunded' | 'refused' | 'attempted', atMs: number): Promise<void>;
  /** Corrections whose refund is pending and was last tried before `triedBeforeMs`, oldest first. */
  pendingRefunds(triedBeforeMs: number, limit: number): Promise<string[]>;
}

/** The state stored: `expired` is never written, an approved one past its expiry date reads as expired. */
export type StoredPreauthorizationState = Exclude<PreauthorizationState, 'expired'>;

/** One pre-authorization as stored: codes and reasons sealed, money and dates plain. */
export interface PreauthorizationRecord {
  readonly preauthorizationId: string;
  readonly patientId: string;
  readonly clinic: string;
  readonly insurer: string;
  /** The clinic's bill with the patient when it asked. */
  readonly requestedOnBill: string;
  /** The codes as a JSON list, sealed. */
  readonly codesSealed: Buffer;
  readonly reasonSealed: Buffer | undefined;
  readonly currency: string;
  readonly requestedMinor: bigint;
  readonly state: StoredPreauthorizationState;
  readonly approvedMinor: bigint | undefined;
  /** YYYY-MM-DD, once approved. */
  readonly expiresOn: string | undefined;
  readonly denialReasonSealed: Buffer | undefined;
  /** The bill line that consumed it. */
  readonly consumedBy: string | undefined;
  readonly requestedAtMs: number;
  readonly decidedAtMs: number | undefined;
  /** The page key: later requests have larger ones. */
  readonly seq: bigint;
}

export type NewPreauthorization = Pick<
  PreauthorizationRecord,
  | 'preauthorizationId'
  | 'patientId'
  | 'clinic'
  | 'insurer'
  | 'requestedOnBill'
  | 'codesSealed'
  | 'reasonSealed'
  | 'currency'
  | 'requestedMinor'
  | 'requestedAtMs'
>;

/** Whose pre-authorizations: the clinic that asked, or the insurer asked. */
export type PreauthorizationParty = { readonly clinic: string } | { readonly insurer: string };

export interface PreauthorizationStore {
  /** Stores a new one, requested. */
  add(preauthorization: NewPreauthorization): Promise<void>;
  /** `forUpdate` locks it for the rest of the transaction. */
  get(preauthorizationId: string, options?: { forUpdate?: boolean }): Promise<PreauthorizationRecord | undefined>;
  /** How many of the clinic's for the patient are still open (requested or approved). */
  openCount(who: { clinic: string; patientId: string }): Promise<number>;
  /** Requested -> approved. */
  approve(preauthorizationId: string, approvedMinor: bigint, expiresOn: string, atMs: number): Promise<void>;
  /** Requested -> denied. */
  deny(preauthorizationId: string, reasonSealed: Buffer, atMs: number): Promise<void>;
  /** Approved -> released. */
  release(preauthorizationId: string, atMs: number): Promise<void>;
  /** The party's, newest first, after the page key `beforeSeq` (undefined: from the newest). */
  page(party: PreauthorizationParty, beforeSeq: bigint | undefined, limit: number): Promise<PreauthorizationRecord[]>;
  /**
   * The clinic's approved ones for the patient, addressed to the insurer, expiring on `today` or later, locked for
   * the rest of the transaction; by expiry date then id.
   */
  usable(
    who: { clinic: string; patientId: string; insurer: string },
    today: string,
    limit: number,
  ): Promise<PreauthorizationRecord[]>;
  /** Approved -> consumed by the bill line. */
  consume(consumptions: readonly { preauthorizationId: string; lineId: string }[], atMs: number): Promise<void>;
  /** The pre-authorizations the bill's lines consumed (for a void, a correction). */
  consumedBy(billId: string): Promise<PreauthorizationRecord[]>;
  /** Those the bill's lines consumed are approved again (the bill was voided); their ids. */
  restoreConsumedBy(billId: string): Promise<string[]>;
}

/** Where a page of bills starts: after this bill, in (created_at, id) descending order. */
export interface BillCursor {
  readonly createdAtMs: number;
  readonly billId: string;
}

export interface ClaimQuery {
  readonly clinic?: string;
  /** Bills created at or after this instant. */
  readonly fromMs?: number;
  /** Bills created before this instant. */
  readonly toMs?: number;
  readonly after?: BillCursor;
}

export interface BillPageStore {
  /** The insurer's adjudicated bills with their lines, newest first. */
  claimsOf(insurer: string, query: ClaimQuery, limit: number): Promise<BillRecord[]>;
  /** The patient's bills with their lines, newest first. */
  ofPatient(patientId: string, after: BillCursor | undefined, limit: number): Promise<BillRecord[]>;
}

export interface SettlementTotal {
  readonly clinic: string;
  readonly currency: string;
  readonly bills: number;
  readonly amountMinor: bigint;
}

export interface SettlementStore {
  /** Per clinic and currency, the insurer's bills paid in [fromMs, toMs) and the plan's share of them. */
  paidBetween(insurer: string, fromMs: number, toMs: number): Promise<SettlementTotal[]>;
  /** Per clinic and currency, the plan's share refunded in [fromMs, toMs). */
  planRefundsBetween(insurer: string, fromMs: number, toMs: number): Promise<SettlementTotal[]>;
}

export interface PresentationStore {
  /** Records a resident's presentation as used until `keepUntilMs`; false if it was used before. */
  use(presentationId: string, keepUntilMs: number): Promise<boolean>;
  /** Forgets up to `limit` presentations kept until before `nowMs`; how many. */
  sweep(nowMs: number, limit: number): Promise<number>;
}
