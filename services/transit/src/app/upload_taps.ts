// UploadTaps: what an offline gate decided alone. Each tap is checked as of its tap time (the gate opened then)
// and recorded in one batch; a denied tap is acknowledged with nothing to price.
import type { VerifiedPresentation } from '@citypass/credential';
import { gateAudience } from '@citypass/gate';
import type { RejectedTap, StoredTap, UploadTapsRequest, UploadTapsResponse } from '@citypass/proto/transit/v1/transit';
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
  for (const stored of request.taps) {
    const problem = await checkStoredTap(deps, gate, clientOf(principal), stored);
    if (typeof problem === 'string') {
      rejected.push({ tapId: stored.tapId, reason: problem });
      continue;
    }
    if (problem === undefined) {
      accepted.push(stored.tapId); // the gate denied it: nothing to price
      transitMetrics.taps.add(1, {
        decision: 'DENY',
        reason: /^[A-Z0-9_]{1,64}$/.test(stored.reason) ? stored.reason : transitReasons.OTHER,
        source: 'offline',
      });
      continue;
    }
    records.push(problem);
  }
  const outcomes = records.length === 0 ? [] : await deps.recorder.recordBatch(records);
  records.forEach((record, index) => {
    const outcome = outcomes[index] ?? 'already_recorded';
    if (outcome === 'recorded' || outcome === 'already_recorded') accepted.push(record.id);
    else rejected.push({ tapId: record.id, reason: rejectionReason(outcome) });
    transitMetrics.taps.add(1, {
      decision: outcome === 'recorded' || outcome === 'already_recorded' ? 'OPEN' : 'REJECTED',
      reason: '',
      source: 'offline',
    });
  });
  return { acceptedTapIds: accepted, rejected };
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
