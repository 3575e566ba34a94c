// Carrying out settlement steps against the wallet: a charge is authorize (the journey's first tap as mandate) +
// capture, a correction is a refund against the journey's holds. Keys are fixed per step and attempt, so a step
// repeated after a crash or a timeout makes the same wallet calls and never moves money twice; each step runs in
// the trace of its mandate tap.
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { JourneySettled } from '@citypass/proto/transit/v1/transit';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';
import { isDomainError } from '@citypass/platform/errors';
import { appendEvent } from '@citypass/platform/outbox';
import { withTransaction, type PoolClient, type Queryable } from '@citypass/platform/pg';
import type { RiderLease } from './rider_lease.ts';
import { transitSubjects } from '../bus/transit_events.ts';
import { transitMetrics } from '../metrics.ts';
import type { SettlementDeps } from './settlement_deps.ts';

export interface StepRow {
  id: string;
  journey_id: string;
  service_date: Date | string;
  kind: 'charge' | 'refund';
  amount_minor: string;
  currency: string;
  charged_after_minor: string;
  mandate_tap_id: string;
  attempt: number;
  status: 'pending' | 'declined';
}

const tracer = trace.getTracer('citypass.transit.settlement');

/**
 * Runs one step's wallet calls in the trace of the tap that is its mandate, linked to the settlement pass: the
 * trace that began at the gate continues through NATS into the wallet's ledger rows.
 */
async function inTapTrace<T>(db: Queryable, step: StepRow, run: () => Promise<T>): Promise<T> {
  const { rows } = await db.query<{ trace_context: Record<string, string> }>('SELECT trace_context FROM taps WHERE id = $1', [step.mandate_tap_id]);
  const parent = propagation.extract(ROOT_CONTEXT, rows[0]?.trace_context ?? {});
  const settlement = trace.getSpanContext(context.active());
  const links = settlement === undefined ? [] : [{ context: settlement }];
  return context.with(parent, () => tracer.startActiveSpan(`transit settle ${step.kind}`, { links, attributes: { 'citypass.journey_id': step.journey_id } }, async (span) => {
    try {
      return await run();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }));
}

/** Carries out pending steps in order; 'declined' as soon as a charge is declined or one waits for a top-up. */
export async function runOpenSteps(deps: SettlementDeps, lease: RiderLease, residentId: string): Promise<'done' | 'declined'> {
  const { rows } = await deps.pool.query<StepRow>(
    `SELECT id, journey_id, service_date::text, kind, amount_minor, currency, charged_after_minor, mandate_tap_id, attempt, status
       FROM settlement_steps WHERE resident_id = $1 AND status IN ('pending', 'declined') ORDER BY seq`, [residentId]);
  for (const step of rows) {
    if (step.status === 'declined') return 'declined';
    await lease.renew();
    try {
      await inTapTrace(deps.pool, step, () => step.kind === 'charge' ? runCharge(deps, residentId, step) : runRefund(deps, residentId, step));
      transitMetrics.settlementSteps.add(1, { kind: step.kind, outcome: 'done' });
    } catch (error) {
      const outcome = step.kind === 'charge' ? outcomeOfRefusal(error) : 'retry';
      if (outcome === 'retry') {
        transitMetrics.settlementSteps.add(1, { kind: step.kind, outcome: 'failed' });
        throw error;
      }
      const reason = isDomainError(error) ? error.reason : 'UNKNOWN';
      transitMetrics.settlementSteps.add(1, { kind: step.kind, outcome, reason });
      if (outcome === 'written_off') {
        await withTransaction(deps.pool, (tx) => finishStep(tx, residentId, step, reason));
        deps.logger.warn('fare written off: the wallet will not accept its mandate', { residentId, journeyId: step.journey_id, reason });
        continue;
      }
      await deps.pool.query("UPDATE settlement_steps SET status = 'declined', decline_reason = $2, finished_at = now() WHERE id = $1", [step.id, reason]);
      return 'declined';
    }
  }
  return 'done';
}

/** Refusals that are the resident's to settle: the fare becomes a debt until a top-up (or, for limits, a later day). */
const debtReasons = new Set(['INSUFFICIENT_FUNDS', 'RISK_DAILY_LIMIT', 'RISK_CREDENTIAL_CAP', 'MANDATE_CAP_EXCEEDED']);
/** Refusals no one can ever fix for this tap: the ride cannot be charged, and is written off. */
const writeOffReasons = new Set(['TAP_TOO_OLD', 'CREDENTIAL_REVOKED']);

/**
 * What a refused charge means. The resident's money, limits or an amount cap they put on the tap: a debt. A tap
 * the wallet can never accept (past the settlement window, or its credential revoked before it): written off.
 * Anything else (an outage, a key rotation not yet seen, a velocity limit that passes, transit's own token or
 * scopes): retried on a later pass, never held against the resident and never forgiven.
 */
function outcomeOfRefusal(error: unknown): 'declined' | 'written_off' | 'retry' {
  if (!isDomainError(error)) return 'retry';
  if (debtReasons.has(error.reason)) return 'declined';
  if (writeOffReasons.has(error.reason)) return 'written_off';
  return 'retry';
}

/** Hold lifetime asked for a fare's authorization: long enough to outlast any gap before its capture. */
const fareHoldTtlSeconds = 24 * 3600;

async function runCharge(deps: SettlementDeps, residentId: string, step: StepRow): Promise<void> {
  const { rows } = await deps.pool.query<{ presentation: string }>('SELECT presentation FROM taps WHERE id = $1', [step.mandate_tap_id]);
  const presentation = rows[0]?.presentation;
  if (presentation === undefined) throw new Error(`the mandate tap of step ${step.id} is missing`);
  let attempt = step.attempt;
  for (;;) {
    try {
      // Keys and reference per attempt: a retry of the same attempt (crash, timeout) repeats them exactly.
      const hold = await deps.wallet.charge({
        key: `fare-${step.id}-${attempt}`, presentation, amountMinor: BigInt(step.amount_minor), currency: step.currency,
        reference: `fare:${step.id}:${attempt}`, holdTtlSeconds: fareHoldTtlSeconds,
      });
      await withTransaction(deps.pool, async (tx) => {
        await tx.query(
          'INSERT INTO journey_holds (hold_id, resident_id, journey_id, captured_minor) VALUES ($1, $2, $3, $4) ON CONFLICT (hold_id) DO NOTHING',
          [hold.holdId, residentId, step.journey_id, hold.capturedMinor]);
        await finishStep(tx, residentId, step);
      });
      transitMetrics.chargedMinor.add(Number(step.amount_minor), { currency: step.currency });
      return;
    } catch (error) {
      // The authorization was made but its hold ran out (or was released) before the capture: nothing was
      // charged, so a new attempt authorizes again.
      const holdGone = isDomainError(error) && (error.reason === 'HOLD_EXPIRED' || error.reason === 'HOLD_NOT_PENDING');
      if (!holdGone || attempt >= step.attempt + 2) throw error;
      attempt++;
      await deps.pool.query('UPDATE settlement_steps SET attempt = $2 WHERE id = $1', [step.id, attempt]);
    }
  }
}

async function runRefund(deps: SettlementDeps, residentId: string, step: StepRow): Promise<void> {
  const done = await deps.pool.query<{ refunded: string | null }>('SELECT sum(amount_minor)::text AS refunded FROM step_refunds WHERE step_id = $1', [step.id]);
  let remaining = BigInt(step.amount_minor) - BigInt(done.rows[0]?.refunded ?? '0');
  const { rows } = await deps.pool.query<{ hold_id: string; left: string }>(
    `SELECT hold_id, captured_minor - refunded_minor AS left FROM journey_holds
      WHERE resident_id = $1 AND journey_id = $2 AND captured_minor > refunded_minor ORDER BY created_at DESC, hold_id`,
    [residentId, step.journey_id]);
  for (const row of rows) {
    if (remaining === 0n) break;
    const amount = BigInt(row.left) < remaining ? BigInt(row.left) : remaining;
    // A crash after this call and before the record below repeats it with the same key and amount.
    const hold: Hold = await deps.wallet.refund({ key: `fare-${step.id}-${row.hold_id}`, holdId: row.hold_id, amountMinor: amount, reason: 'fare corrected' });
    await withTransaction(deps.pool, async (tx) => {
      await tx.query('UPDATE journey_holds SET refunded_minor = $2 WHERE hold_id = $1', [row.hold_id, hold.refundedMinor]);
      await tx.query('INSERT INTO step_refunds (step_id, hold_id, amount_minor) VALUES ($1, $2, $3)', [step.id, row.hold_id, amount]);
    });
    transitMetrics.refundedMinor.add(Number(amount), { currency: step.currency });
    remaining -= amount;
  }
  // What is left was never taken (a written-off charge): lowering the fare moves no money for it.
  await withTransaction(deps.pool, (tx) => finishStep(tx, residentId, step));
}

/** Records the journey's new charge; a written-off step records it too, with no money moved and no event. */
async function finishStep(tx: PoolClient, residentId: string, step: StepRow, writtenOffReason?: string): Promise<void> {
  await tx.query(
    "UPDATE settlement_steps SET status = $2, decline_reason = $3, finished_at = now() WHERE id = $1",
    [step.id, writtenOffReason === undefined ? 'done' : 'written_off', writtenOffReason ?? null]);
  await tx.query(`
    INSERT INTO journey_charges (resident_id, journey_id, service_date, charged_minor, currency) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (resident_id, journey_id) DO UPDATE SET charged_minor = EXCLUDED.charged_minor`,
  [residentId, step.journey_id, step.service_date, step.charged_after_minor, step.currency]);
  if (writtenOffReason !== undefined) return;
  await appendEvent(tx, {
    type: transitSubjects.journeySettled,
    source: 'transit',
    payload: JourneySettled.encode({
      journeyId: step.journey_id, residentId, serviceDate: String(step.service_date), chargedMinor: BigInt(step.charged_after_minor), currency: step.currency,
    }).finish(),
  });
}
