// What gates call: Tap (decide now, record, settle later), UploadTaps (what an offline gate decided alone) and
// GetGateConfig (what a gate needs to decide alone). A tap is the resident's business (a bad QR code, a revoked
// credential, a debt: DENY with a reason the gate shows); a malformed request is the gate's (a gRPC error).
import { randomUUID } from 'node:crypto';
import type { PresentationVerifier, RevocationSet, VerifiedPresentation } from '@citypass/credential';
import type {
  GetGateConfigResponse, TapRequest, TapResponse, UploadTapsRequest, UploadTapsResponse, StoredTap, RejectedTap,
} from '@citypass/proto/transit/v1/transit';
import { alreadyExists, invalidArgument, isDomainError, notFound, type DomainError } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';
import { traceFields } from '@citypass/platform/trace_headers';
import { decideTap, gateAudience, type TapDecision } from '@citypass/gate';
import type { Gate } from '../gtfs/feed.ts';
import { transitMetrics } from '../metrics.ts';
import type { DenyListMirror } from './deny_list.ts';
import type { FareBook } from './fare_book.ts';
import type { GateAssignments } from './gate_assignments.ts';
import type { TapAnswers } from './tap_answers.ts';
import type { RecordOutcome, TapRecord, TapRecorder } from './transit_store.ts';

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
  readonly now: () => number;
}

/** An online tap may be stamped this far from the service's clock; older taps are uploads. */
const onlineSkewMs = 2 * 60_000;
/** Offline gates must upload within this: settlement prices a week back, and the wallet settles taps up to 14 days. */
export const maxUploadAgeMs = 7 * 86_400_000;
const maxUploadBatch = 1_000;
const tapIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export async function tap(deps: GateDeps, principal: Principal | undefined, request: TapRequest): Promise<TapResponse> {
  const gate = gateOf(deps, request.gateId);
  deps.assignments.check(principal, gate.id);
  const direction = directionOf(request.direction);
  const nowMs = deps.now();
  const atMs = request.tappedAt === undefined ? nowMs : request.tappedAt.getTime();
  if (!Number.isFinite(atMs) || atMs > nowMs + onlineSkewMs) throw invalidArgument('TAP_IN_FUTURE', 'tapped_at is later than now');
  if (atMs < nowMs - onlineSkewMs) throw invalidArgument('TAP_TOO_OLD', 'tapped_at is minutes ago: upload stored taps with UploadTaps');
  const tapId = request.tapId === '' ? randomUUID() : tapIdOf(request.tapId);
  const key = { presentation: request.presentation, gateId: gate.id, gateClient: clientOf(principal), direction };
  // A gate that lost the answer asks again with the same tap id: it gets the first answer (waiting for it if the
  // first call is still running), not a replay denial. The tap id with anything else is the gate's mistake.
  const repeated = request.tapId === '' ? undefined : deps.answers.lookup(tapId, key);
  if (repeated === 'reused') throw tapIdReused();
  if (repeated !== undefined) return repeated;
  // Online: decided as of the service's clock, counting every revocation.
  const answer = decideTap(deps.verifier, deps.denyList, request.presentation, nowMs)
    .then((decision) => recordDecision(deps, decision, { tapId, gate, gateClient: key.gateClient, direction, atMs, presentation: request.presentation, source: 'online' }));
  if (request.tapId !== '') deps.answers.remember(tapId, key, answer);
  const { decision, reason } = await answer;
  transitMetrics.taps.add(1, { decision, reason, source: 'online' });
  return answer;
}

function tapIdReused(): DomainError {
  return alreadyExists('TAP_ID_REUSED', 'tap_id belongs to another tap: a repeat is the same presentation, gate, client and direction');
}

/** The gate client a checked principal is (GateAssignments.check has passed). */
function clientOf(principal: Principal | undefined): string {
  return principal?.clientId ?? '';
}

export async function uploadTaps(deps: GateDeps, principal: Principal | undefined, request: UploadTapsRequest): Promise<UploadTapsResponse> {
  const gate = gateOf(deps, request.gateId);
  deps.assignments.check(principal, gate.id);
  if (request.taps.length > maxUploadBatch) throw invalidArgument('UPLOAD_TOO_LARGE', `at most ${maxUploadBatch} taps per upload`);
  const accepted: string[] = [];
  const rejected: RejectedTap[] = [];
  const records: TapRecord[] = [];
  for (const stored of request.taps) {
    const problem = await checkStoredTap(deps, gate, clientOf(principal), stored);
    if (typeof problem === 'string') {
      rejected.push({ tapId: stored.tapId, reason: problem });
      continue;
    }
    if (problem === undefined) {
      accepted.push(stored.tapId); // the gate denied it: nothing to price
      transitMetrics.taps.add(1, { decision: 'DENY', reason: /^[A-Z0-9_]{1,64}$/.test(stored.reason) ? stored.reason : 'OTHER', source: 'offline' });
      continue;
    }
    records.push(problem);
  }
  const outcomes = records.length === 0 ? [] : await deps.recorder.recordBatch(records);
  records.forEach((record, index) => {
    const outcome = outcomes[index] ?? 'already_recorded';
    if (outcome === 'recorded' || outcome === 'already_recorded') accepted.push(record.id);
    else rejected.push({ tapId: record.id, reason: rejectionReason(outcome) });
    transitMetrics.taps.add(1, { decision: outcome === 'recorded' || outcome === 'already_recorded' ? 'OPEN' : 'REJECTED', reason: '', source: 'offline' });
  });
  return { acceptedTapIds: accepted, rejected };
}

/** A reason the tap cannot be taken, undefined for a denied tap (nothing to record), or the tap to record. */
async function checkStoredTap(deps: GateDeps, gate: Gate, gateClient: string, stored: StoredTap): Promise<string | TapRecord | undefined> {
  if (!tapIdPattern.test(stored.tapId)) return 'TAP_ID_INVALID';
  if (stored.direction !== 'in' && stored.direction !== 'out') return 'DIRECTION_INVALID';
  if (stored.decision === 'DENY') return undefined;
  if (stored.decision !== 'OPEN') return 'DECISION_INVALID';
  const atMs = stored.tappedAt?.getTime();
  const nowMs = deps.now();
  if (atMs === undefined || !Number.isFinite(atMs)) return 'TAP_TIME_MISSING';
  if (atMs > nowMs + onlineSkewMs) return 'TAP_IN_FUTURE';
  if (atMs < nowMs - maxUploadAgeMs) return 'TAP_TOO_OLD';
  let verified: VerifiedPresentation;
  try {
    // As of the tap for freshness (the gate opened then), but any revocation known now counts: an offline gate's
    // clock is not trusted to say the tap came before a revocation, so a phone reported stolen is never charged
    // for taps uploaded after the report (a replaced phone's last offline taps go uncharged too).
    verified = await deps.uploadVerifier.verify(stored.presentation, { audience: gateAudience, nowMs: atMs });
  } catch (error) {
    if (isDomainError(error) && error.kind !== 'unavailable') return error.reason;
    throw error;
  }
  if (verified.amountCap !== undefined) return 'PRESENTATION_CAPPED';
  return tapRecord({ tapId: stored.tapId, gate, gateClient, direction: stored.direction, atMs, presentation: stored.presentation, source: 'offline' }, verified);
}

type TapFacts = {
  readonly tapId: string;
  readonly gate: Gate;
  readonly gateClient: string;
  readonly direction: 'in' | 'out';
  readonly atMs: number;
  readonly presentation: string;
  readonly source: 'online' | 'offline';
};

async function recordDecision(deps: GateDeps, decision: TapDecision, tap: TapFacts): Promise<TapResponse> {
  if (decision.decision === 'DENY') return { decision: 'DENY', reason: decision.reason, tapId: tap.tapId };
  // The replay cache only reserved the presentation: a recorded tap (or one the database already holds) consumes
  // it; a failed write or a refused tap gives it back, so the gate's retry is not taken for a replay.
  let outcome: RecordOutcome;
  try {
    outcome = await deps.recorder.record(tapRecord(tap, decision.presentation));
  } catch (error) {
    deps.verifier.release(decision.presentation);
    throw error;
  }
  if (outcome === 'recorded' || outcome === 'already_recorded') return { decision: 'OPEN', reason: '', tapId: tap.tapId };
  if (outcome !== 'replayed') deps.verifier.release(decision.presentation);
  if (outcome === 'tap_id_reused') throw tapIdReused();
  return { decision: 'DENY', reason: rejectionReason(outcome), tapId: tap.tapId };
}

function rejectionReason(outcome: Exclude<RecordOutcome, 'recorded' | 'already_recorded'>): string {
  switch (outcome) {
    case 'replayed':
      return 'PRESENTATION_REPLAYED';
    case 'same_instant':
      return 'TAP_DUPLICATE';
    case 'tap_id_reused':
      return 'TAP_ID_REUSED';
  }
}

function tapRecord(tap: TapFacts, verified: VerifiedPresentation): TapRecord {
  return {
    id: tap.tapId, gateId: tap.gate.id, gateClient: tap.gateClient, stationId: tap.gate.stationId, direction: tap.direction, tappedAtMs: tap.atMs,
    residentId: verified.subject, credentialId: verified.credentialId, concession: verified.concession, presentationNonce: verified.presentationId,
    presentation: tap.presentation, source: tap.source, traceContext: traceFields(),
  };
}

export async function gateConfig(deps: GateDeps, principal: Principal | undefined, gateId: string): Promise<GetGateConfigResponse> {
  const gate = gateOf(deps, gateId);
  deps.assignments.check(principal, gate.id);
  return {
    gateId: gate.id,
    stationId: gate.stationId,
    stationName: deps.fares.network.stations.get(gate.stationId)?.name ?? '',
    issuer: deps.issuer,
    issuerJwksJson: await deps.issuerJwks(),
    credentialStatusBucket: deps.buckets.credentialStatus,
    denyListBucket: deps.buckets.denyList,
    deniedResidents: deps.denyList.residents(),
    revokedCredentials: [...deps.revocations.ids()],
  };
}

function gateOf(deps: GateDeps, gateId: string): Gate {
  const gate = deps.fares.gates.get(gateId);
  if (gate === undefined) {
    if (gateId === '' || gateId.length > 64) throw invalidArgument('GATE_ID_INVALID', 'gate_id is required');
    throw notFound('GATE_UNKNOWN', 'no such gate');
  }
  return gate;
}

function directionOf(direction: string): 'in' | 'out' {
  if (direction !== 'in' && direction !== 'out') throw invalidArgument('DIRECTION_INVALID', 'direction is "in" or "out"');
  return direction;
}

function tapIdOf(tapId: string): string {
  if (!tapIdPattern.test(tapId)) throw invalidArgument('TAP_ID_INVALID', 'tap_id is 1-128 of [A-Za-z0-9._:-]');
  return tapId;
}
