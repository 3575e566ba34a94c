// UploadTaps: what an offline gate decided alone. Each tap is checked as of its tap time (the gate opened then)
// and recorded in one batch; a denied tap is acknowledged with nothing to price. Once the answer is on its way, the
// live feed hears of each tap taken (marked offline, at its tap time): an OPEN tap the first time it is recorded (a
// repeated upload adds nothing), a DENY tap as uploaded (nothing records it, so a repeated upload repeats it).
import type { VerifiedPresentation } from '@citypass/credential';
import { gateAudience } from '@citypass/gate';
import type {
  RejectedTap,
  StoredTap,
  TapDecided,
  UploadTapsRequest,
  UploadTapsResponse,
} from '@citypass/proto/transit/v1/transit';
import { invalidArgument, isDomainError } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';
import type { Gate } from '../gtfs/feed.ts';
import { transitMetrics } from '../metrics.ts';
import {
  clientOf,
  gateOf,
  maxUploadAgeMs,
  maxUploadBatch,
  onlineSkewMs,
  rejectionReason,
  tapIdPattern,
  tapRecord,
  type GateDeps,
} from './gate_calls.ts';
import type { TapRecord } from './transit_store.ts';
import { transitReasons } from '@citypass/contracts';

export async function uploadTaps(
  deps: GateDeps,
  principal: Principal | undefined,
  request: UploadTapsRequest,
): Promise<UploadTapsResponse> {
  const gate = gateOf(deps, request.gateId);
  deps.assignments.check(principal, gate.id);
  if (request.taps.length > maxUploadBatch)
    throw invalidArgument(transitReasons.UPLOAD_TOO_LARGE, `at most ${maxUploadBatch} taps per upload`);
  const accepted: string[] = [];
  const rejected: RejectedTap[] = [];
  const records: TapRecord[] = [];
  const live: StoredTap[] = [];
  for (const stored of request.taps) {
    const problem = await checkStoredTap(deps, gate, clientOf(principal), stored);
    if (typeof problem === 'string') {
      rejected.push({ tapId: stored.tapId, reason: problem });
      continue;
    }
    if (problem === undefined) {
      accepted.push(stored.tapId); // the gate denied it: nothing to price
      live.push(stored);
      transitMetrics.taps.add(1, {
        decision: 'DENY',
        reason: deniedReason(stored),
        source: 'offline',
      });
      continue;
    }
    records.push(problem);
  }
  const outcomes = records.length === 0 ? [] : await deps.recorder.recordBatch(records);
  const storedById = new Map(request.taps.map((stored) => [stored.tapId, stored]));
  const recorded: TapRecord[] = [];
  records.forEach((record, index) => {
    const outcome = outcomes[index] ?? 'already_recorded';
    const stored = storedById.get(record.id);
    if (outcome === 'recorded') recorded.push(record);
    if (outcome === 'recorded' && stored !== undefined) live.push(stored);
    if (outcome === 'recorded' || outcome === 'already_recorded') accepted.push(record.id);
    else rejected.push({ tapId: record.id, reason: rejectionReason(outcome) });
    transitMetrics.taps.add(1, {
      decision: outcome === 'recorded' || outcome === 'already_recorded' ? 'OPEN' : 'REJECTED',
      reason: '',
      source: 'offline',
    });
  });
  publishOffline(deps, gate, live);
  if (recorded.length > 0)
    setImmediate(() => {
      deps.tapEvents.recorded(recorded);
    });
  return { acceptedTapIds: accepted, rejected };
}

/** The reason a gate gave for a DENY tap, if it reads as one (a gate's words are not trusted further). */
function deniedReason(stored: StoredTap): string {
  return /^[A-Z0-9_]{1,64}$/.test(stored.reason) ? stored.reason : transitReasons.OTHER;
}

/** After the answer is on its way: the live feed never holds up an upload (and says nothing of who tapped). */
function publishOffline(deps: GateDeps, gate: Gate, taps: readonly StoredTap[]): void {
  if (taps.length === 0) return;
  const uploadedAt = new Date(deps.now());
  const byTapTime = [...taps].sort((a, b) => (a.tappedAt?.getTime() ?? 0) - (b.tappedAt?.getTime() ?? 0));
  setImmediate(() => {
    for (const stored of byTapTime) {
      const denied = stored.decision === 'DENY';
      const decided: TapDecided = {
        gateId: gate.id,
        stationId: gate.stationId,
        direction: stored.direction,
        decision: stored.decision,
        reason: denied ? deniedReason(stored) : '',
        decidedAt: stored.tappedAt,
        offline: true,
        uploadedAt,
      };
      deps.live.tapDecided(decided);
    }
  });
}

/** A reason the tap cannot be taken, undefined for a denied tap (nothing to record), or the tap to record. */
async function checkStoredTap(
  deps: GateDeps,
  gate: Gate,
  gateClient: string,
  stored: StoredTap,
): Promise<string | TapRecord | undefined> {
  if (!tapIdPattern.test(stored.tapId)) return transitReasons.TAP_ID_INVALID;
  if (stored.direction !== 'in' && stored.direction !== 'out') return transitReasons.DIRECTION_INVALID;
  if (stored.decision === 'DENY') return undefined;
  if (stored.decision !== 'OPEN') return transitReasons.DECISION_INVALID;
  const atMs = stored.tappedAt?.getTime();
  const nowMs = deps.now();
  if (atMs === undefined || !Number.isFinite(atMs)) return transitReasons.TAP_TIME_MISSING;
  if (atMs > nowMs + onlineSkewMs) return transitReasons.TAP_IN_FUTURE;
  if (atMs < nowMs - maxUploadAgeMs) return transitReasons.TAP_TOO_OLD;
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
  if (verified.amountCap !== undefined) return transitReasons.PRESENTATION_CAPPED;
  return tapRecord(
    {
      tapId: stored.tapId,
      gate,
      gateClient,
      direction: stored.direction,
      atMs,
      presentation: stored.presentation,
      source: 'offline',
    },
    verified,
  );
}
