// Tap: an online gate asks now. Decided at once with the gate's own rule (@citypass/gate), recorded, settled later.
// A tap is the resident's business (a bad QR code, a revoked credential, a debt: DENY with a reason the gate
// shows); a malformed request is the gate's (a gRPC error).
import { randomUUID } from 'node:crypto';
import { decideTap, type TapDecision } from '@citypass/gate';
import type { TapRequest, TapResponse } from '@citypass/proto/transit/v1/transit';
import { invalidArgument } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';
import { transitMetrics } from '../metrics.ts';
import {
  clientOf,
  directionOf,
  gateOf,
  onlineSkewMs,
  rejectionReason,
  tapIdOf,
  tapIdReused,
  tapRecord,
  type GateDeps,
  type TapFacts,
} from './gate_calls.ts';
import type { RecordOutcome } from './transit_store.ts';
import { transitReasons } from '@citypass/contracts';

/** The metric attributes of nearly every tap, made once (an OPEN answer has no reason). */
const openedOnline = { decision: 'OPEN', reason: '', source: 'online' } as const;

export async function tap(deps: GateDeps, principal: Principal | undefined, request: TapRequest): Promise<TapResponse> {
  const gate = gateOf(deps, request.gateId);
  deps.assignments.check(principal, gate.id);
  const direction = directionOf(request.direction);
  const nowMs = deps.now();
  const atMs = request.tappedAt === undefined ? nowMs : request.tappedAt.getTime();
  if (!Number.isFinite(atMs) || atMs > nowMs + onlineSkewMs)
    throw invalidArgument(transitReasons.TAP_IN_FUTURE, 'tapped_at is later than now');
  if (atMs < nowMs - onlineSkewMs)
    throw invalidArgument(transitReasons.TAP_TOO_OLD, 'tapped_at is minutes ago: upload stored taps with UploadTaps');
  const tapId = request.tapId === '' ? randomUUID() : tapIdOf(request.tapId);
  const key = { presentation: request.presentation, gateId: gate.id, gateClient: clientOf(principal), direction };
  // A gate that lost the answer asks again with the same tap id: it gets the first answer (waiting for it if the
  // first call is still running), not a replay denial. The tap id with anything else is the gate's mistake.
  const repeated = request.tapId === '' ? undefined : deps.answers.lookup(tapId, key);
  if (repeated === 'reused') throw tapIdReused();
  if (repeated !== undefined) return repeated;
  // Online: decided as of the service's clock, counting every revocation.
  const answer = decideTap(deps.verifier, deps.denyList, request.presentation, nowMs).then((decision) =>
    recordDecision(deps, decision, {
      tapId,
      gate,
      gateClient: key.gateClient,
      direction,
      atMs,
      presentation: request.presentation,
      source: 'online',
    }),
  );
  if (request.tapId !== '') deps.answers.remember(tapId, key, answer);
  const { decision, reason } = await answer;
  transitMetrics.taps.add(1, decision === 'OPEN' ? openedOnline : { decision, reason, source: 'online' });
  // Published after the answer is on its way (tapDecided returns at once): the live feed never holds up a gate
  // (and says nothing of who tapped).
  deps.live.tapDecided({
    gateId: gate.id,
    stationId: gate.stationId,
    direction,
    decision,
    reason,
    decidedAt: new Date(nowMs),
    offline: false,
    uploadedAt: undefined,
  });
  return answer;
}

async function recordDecision(deps: GateDeps, decision: TapDecision, tap: TapFacts): Promise<TapResponse> {
  if (decision.decision === 'DENY') return { decision: 'DENY', reason: decision.reason, tapId: tap.tapId };
  // The replay cache only reserved the presentation: a recorded tap (or one the database already holds) consumes
  // it; a failed write or a refused tap gives it back, so the gate's retry is not taken for a replay.
  let outcome: RecordOutcome;
  const record = tapRecord(tap, decision.presentation);
  try {
    outcome = await deps.recorder.record(record);
  } catch (error) {
    deps.verifier.release(decision.presentation);
    throw error;
  }
  // Published once the answer is on its way (recorded returns at once; the gate never waits for it): who tapped
  // where, for the wallet's risk engine.
  if (outcome === 'recorded') deps.tapEvents.recorded([record]);
  if (outcome === 'recorded' || outcome === 'already_recorded')
    return { decision: 'OPEN', reason: '', tapId: tap.tapId };
  if (outcome !== 'replayed') deps.verifier.release(decision.presentation);
  if (outcome === 'tap_id_reused') throw tapIdReused();
  return { decision: 'DENY', reason: rejectionReason(outcome), tapId: tap.tapId };
}
