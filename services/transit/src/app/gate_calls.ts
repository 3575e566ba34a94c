// What every gate call shares: its dependencies, the limits on a tap's time and id, the gate and direction checks,
// and how a verified tap becomes a record. The calls themselves are tap.ts, upload_taps.ts and get_gate_config.ts.
import type { PresentationVerifier, RevocationSet, VerifiedPresentation } from '@citypass/credential';
import { alreadyExists, invalidArgument, notFound, type DomainError } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';
import { traceFields } from '@citypass/platform/trace_headers';
import type { LiveFeed } from '../bus/live_feed.ts';
import type { TapEvents } from '../bus/tap_events.ts';
import type { Gate } from '../gtfs/feed.ts';
import type { DenyListMirror } from './deny_list.ts';
import type { FareBook } from './fare_book.ts';
import type { GateAssignments } from './gate_assignments.ts';
import type { TapAnswers } from './tap_answers.ts';
import type { RecordOutcome, TapRecord, TapRecorder } from './transit_store.ts';
import { transitReasons } from '@citypass/contracts';
import { credentialReasons } from '@citypass/credential';

export interface GateDeps {
  readonly fares: FareBook;
  readonly assignments: GateAssignments;
  /** With a replay cache: online taps. */
  readonly verifier: PresentationVerifier;
  /** Without one: uploads are checked as of their tap time; the database refuses a presentation used twice. */
  readonly uploadVerifier: PresentationVerifier;
  readonly denyList: DenyListMirror;
  readonly revocations: RevocationSet;
  readonly recorder: TapRecorder;
  readonly answers: TapAnswers;
  readonly issuer: string;
  readonly issuerJwks: () => Promise<string>;
  readonly buckets: { readonly credentialStatus: string; readonly denyList: string };
  /** Each tap's decision, for the live views: online, and offline once uploaded (after the gate has its answer). */
  readonly live: Pick<LiveFeed, 'tapDecided'>;
  /** Each tap recorded, as a replayable event (after the gate has its answer; not a repeat of a recorded tap). */
  readonly tapEvents: TapEvents;
  readonly now: () => number;
}

/** An online tap may be stamped this far from the service's clock; older taps are uploads. */
export const onlineSkewMs = 2 * 60_000;
/** Offline gates must upload within this: settlement prices a week back, and the wallet settles taps up to 14 days. */
export const maxUploadAgeMs = 7 * 86_400_000;
export const maxUploadBatch = 1_000;
export const tapIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function tapIdReused(): DomainError {
  return alreadyExists(
    transitReasons.TAP_ID_REUSED,
    'tap_id belongs to another tap: a repeat is the same presentation, gate, client and direction',
  );
}

/** The gate client a checked principal is (GateAssignments.check has passed). */
export function clientOf(principal: Principal | undefined): string {
  return principal?.clientId ?? '';
}

export type TapFacts = {
  readonly tapId: string;
  readonly gate: Gate;
  readonly gateClient: string;
  readonly direction: 'in' | 'out';
  readonly atMs: number;
  readonly presentation: string;
  readonly source: 'online' | 'offline';
};

export function rejectionReason(outcome: Exclude<RecordOutcome, 'recorded' | 'already_recorded'>): string {
  switch (outcome) {
    case 'replayed':
      return credentialReasons.PRESENTATION_REPLAYED;
    case 'same_instant':
      return transitReasons.TAP_DUPLICATE;
    case 'tap_id_reused':
      return transitReasons.TAP_ID_REUSED;
  }
}

export function tapRecord(tap: TapFacts, verified: VerifiedPresentation): TapRecord {
  return {
    id: tap.tapId,
    gateId: tap.gate.id,
    gateClient: tap.gateClient,
    stationId: tap.gate.stationId,
    direction: tap.direction,
    tappedAtMs: tap.atMs,
    residentId: verified.subject,
    credentialId: verified.credentialId,
    concession: verified.concession,
    presentationNonce: verified.presentationId,
    presentation: tap.presentation,
    source: tap.source,
    traceContext: traceFields(),
  };
}

export function gateOf(deps: GateDeps, gateId: string): Gate {
  const gate = deps.fares.gates.get(gateId);
  if (gate === undefined) {
    if (gateId === '' || gateId.length > 64)
      throw invalidArgument(transitReasons.GATE_ID_INVALID, 'gate_id is required');
    throw notFound(transitReasons.GATE_UNKNOWN, 'no such gate');
  }
  return gate;
}

export function directionOf(direction: string): 'in' | 'out' {
  if (direction !== 'in' && direction !== 'out')
    throw invalidArgument(transitReasons.DIRECTION_INVALID, 'direction is "in" or "out"');
  return direction;
}

export function tapIdOf(tapId: string): string {
  if (!tapIdPattern.test(tapId))
    throw invalidArgument(transitReasons.TAP_ID_INVALID, 'tap_id is 1-128 of [A-Za-z0-9._:-]');
  return tapId;
}
