// Settles one rider's fares through the wallet, journey by journey. Under a per-rider advisory lock (one settler
// per rider across instances): first the steps already decided and not finished are carried out (the same wallet
// idempotency keys, so a crash or timeout never charges twice), then the rider's recent taps are priced again and
// the differences from what was charged become new steps. A declined charge stops the rider: the resident goes on
// the deny list with the debt until a top-up makes the declined steps pending again.
//
// Per journey, not per day: the resident sees each journey's charge minutes after tapping out, a fare correction
// (a late tap from an offline gate, a cap reached later in the day) is a refund or charge on the journey it
// concerns, and the domain's adjustments make re-pricing idempotent.
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { JourneySettled, DenyListChanged } from '@citypass/proto/transit/v1/transit';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';
import { isDomainError } from '@citypass/platform/errors';
import type { Logger } from '@citypass/platform/log';
import { appendEvent } from '@citypass/platform/outbox';
import { withTransaction, type Pool, type PoolClient } from '@citypass/platform/pg';
import { adjustmentsSince, type ChargedJourney } from '../domain/adjustments.ts';
import { checkConcession } from '../domain/concession.ts';
import { rulesForServiceDay } from '../domain/fare_rules.ts';
import { parseServiceDate, serviceDateText, serviceDayOf, msPerMinute } from '../domain/service_day.ts';
import { computeStatement, type DayTotal } from '../domain/statement.ts';
import type { Tap } from '../domain/tap.ts';
import type { WalletLink } from '../bus/wallet_link.ts';
import { transitMetrics } from '../metrics.ts';
import type { DenyListMirror } from './deny_list.ts';
import type { FareBook } from './fare_book.ts';

export interface SettlementDeps {
  readonly pool: Pool;
  readonly fares: FareBook;
  readonly wallet: WalletLink;
  readonly denyList: DenyListMirror;
  readonly logger: Logger;
  readonly now: () => number;
}

/** Taps are priced again over this many service days before today (a weekly cap's reach); older days are final. */
export const repricedDays = 7;

export const transitSubjects = {
  all: 'transit.v1.events.>',
  journeySettled: 'transit.v1.events.journey.settled',
  denyListChanged: 'transit.v1.events.deny_list.changed',
} as const;

export type SettleOutcome = 'settled' | 'declined' | 'busy';

const tracer = trace.getTracer('citypass.transit.settlement');

/**
 * Runs one step's wallet calls in the trace of the tap that is its mandate, linked to the settlement pass: the
 * trace that began at the gate continues through NATS into the wallet's ledger rows.
 */
async function inTapTrace<T>(client: PoolClient, step: StepRow, run: () => Promise<T>): Promise<T> {
  const { rows } = await client.query<{ trace_context: Record<string, string> }>('SELECT trace_context FROM taps WHERE id = $1', [step.mandate_tap_id]);
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

export async function settleRider(deps: SettlementDeps, residentId: string): Promise<SettleOutcome> {
  const client = await deps.pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 7)) AS locked', [residentId]);
    if (rows[0]?.locked !== true) return 'busy';
    try {
      for (let round = 0; round < 3; round++) {
        if (await runOpenSteps(deps, client, residentId) === 'declined') {
          await recordDebt(deps, client, residentId);
          // Nothing more until a top-up makes the declined steps pending (then every recent tap is priced again).
          await client.query('UPDATE riders SET settled_version = tap_version, recheck_at = NULL WHERE resident_id = $1', [residentId]);
          return 'declined';
        }
        if (await planSteps(deps, client, residentId) === 0) break;
      }
      await clearDebt(deps, residentId);
      return 'settled';
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 7))', [residentId]);
    }
  } finally {
    client.release();
  }
}

/** Riders with something to do: new taps, an open journey now due, or unfinished steps. */
export async function dueRiders(pool: Pool, limit: number, nowMs: number): Promise<string[]> {
  const { rows } = await pool.query<{ resident_id: string }>(`
    (SELECT resident_id FROM riders WHERE tap_version > settled_version LIMIT $1)
    UNION
    (SELECT resident_id FROM riders WHERE recheck_at <= $2 LIMIT $1)
    UNION
    (SELECT DISTINCT resident_id FROM settlement_steps WHERE status = 'pending' LIMIT $1)`, [limit, new Date(nowMs)]);
  return rows.map((row) => row.resident_id);
}

interface StepRow {
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

/** Carries out pending steps in order; 'declined' as soon as a charge is declined or one waits for a top-up. */
async function runOpenSteps(deps: SettlementDeps, client: PoolClient, residentId: string): Promise<'done' | 'declined'> {
  const { rows } = await client.query<StepRow>(
    `SELECT id, journey_id, service_date::text, kind, amount_minor, currency, charged_after_minor, mandate_tap_id, attempt, status
       FROM settlement_steps WHERE resident_id = $1 AND status IN ('pending', 'declined') ORDER BY seq`, [residentId]);
  for (const step of rows) {
    if (step.status === 'declined') return 'declined';
    try {
      await inTapTrace(client, step, () => step.kind === 'charge' ? runCharge(deps, client, residentId, step) : runRefund(deps, client, residentId, step));
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
      await client.query("UPDATE settlement_steps SET status = 'declined', decline_reason = $2, finished_at = now() WHERE id = $1", [step.id, reason]);
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

async function runCharge(deps: SettlementDeps, client: PoolClient, residentId: string, step: StepRow): Promise<void> {
  const { rows } = await client.query<{ presentation: string }>('SELECT presentation FROM taps WHERE id = $1', [step.mandate_tap_id]);
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
      await client.query('UPDATE settlement_steps SET attempt = $2 WHERE id = $1', [step.id, attempt]);
    }
  }
}

async function runRefund(deps: SettlementDeps, client: PoolClient, residentId: string, step: StepRow): Promise<void> {
  const done = await client.query<{ refunded: string | null }>('SELECT sum(amount_minor)::text AS refunded FROM step_refunds WHERE step_id = $1', [step.id]);
  let remaining = BigInt(step.amount_minor) - BigInt(done.rows[0]?.refunded ?? '0');
  const { rows } = await client.query<{ hold_id: string; left: string }>(
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

/** Prices the rider's recent taps again and records the differences as pending steps; the number recorded. */
async function planSteps(deps: SettlementDeps, client: PoolClient, residentId: string): Promise<number> {
  const nowMs = deps.now();
  const schedule = deps.fares.schedule;
  const rider = (await client.query<{ concession: string; tap_version: string }>(
    'SELECT concession, tap_version FROM riders WHERE resident_id = $1', [residentId])).rows[0];
  if (rider === undefined) return 0;
  const today = serviceDayOf(nowMs, schedule.serviceDay);
  const firstDay = today - repricedDays;
  const taps = await recentTaps(client, residentId, nowMs, (atMs) => serviceDayOf(atMs, schedule.serviceDay) >= firstDay, deps);
  const firstTap = taps[0];
  const firstTapDate = firstTap === undefined ? serviceDateText(today) : serviceDateText(serviceDayOf(firstTap.atMs, schedule.serviceDay));
  // Caps reach back a week from the first priced day: what earlier (final) days charged counts toward them.
  const opening = (await client.query<{ service_date: string; charged: string }>(`
    SELECT service_date::text, sum(charged_minor)::text AS charged FROM journey_charges
     WHERE resident_id = $1 AND service_date >= $2::date - $3::int AND service_date < $2::date GROUP BY service_date`,
  [residentId, firstTapDate, repricedDays])).rows.map((row): DayTotal => ({ serviceDate: row.service_date, chargedMinor: BigInt(row.charged) }));
  const previous = (await client.query<{ journey_id: string; service_date: string; charged_minor: string }>(
    'SELECT journey_id, service_date::text, charged_minor FROM journey_charges WHERE resident_id = $1 AND service_date >= $2',
    [residentId, serviceDateText(firstDay)])).rows.map((row): ChargedJourney => ({ journeyId: row.journey_id, serviceDate: row.service_date, chargedMinor: BigInt(row.charged_minor) }));

  const statement = computeStatement({
    schedule, network: deps.fares.network, concession: checkConcession(rider.concession), taps, asOfMs: nowMs, openingDayTotals: opening,
  });
  const adjustments = adjustmentsSince(previous, statement);
  const openUntil = statement.journeys
    .filter((journey) => journey.status === 'open')
    .map((journey) => journey.startedAtMs + rulesForServiceDay(schedule, parseServiceDate(journey.serviceDate, 'serviceDate')).maxJourneyMinutes * msPerMinute + 1_000);
  const recheckAt = openUntil.length === 0 ? null : new Date(Math.min(...openUntil));
  await withTransaction(deps.pool, async (tx) => {
    for (const adjustment of adjustments) {
      await tx.query(`
        INSERT INTO settlement_steps (resident_id, journey_id, service_date, kind, amount_minor, currency, charged_after_minor, mandate_tap_id, status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $2, 'pending')`,
      [residentId, adjustment.journeyId, adjustment.serviceDate, adjustment.kind, adjustment.amountMinor, adjustment.currency, adjustment.chargedMinor]);
    }
    await tx.query('UPDATE riders SET settled_version = GREATEST(settled_version, $2), recheck_at = $3, updated_at = now() WHERE resident_id = $1',
      [residentId, rider.tap_version, recheckAt]);
  });
  return adjustments.length;
}

/**
 * The rider's taps on the repriced days, in time order. A tap-out that opens the window but closes a journey
 * begun before it belongs to that (final) journey, not to a new exit-only one, so it is left out.
 */
async function recentTaps(client: PoolClient, residentId: string, nowMs: number, inWindow: (atMs: number) => boolean, deps: SettlementDeps): Promise<Tap[]> {
  const since = new Date(nowMs - (repricedDays + 2) * 86_400_000);
  const { rows } = await client.query<{ id: string; station_id: string; direction: 'in' | 'out'; tapped_at: Date }>(
    'SELECT id, station_id, direction, tapped_at FROM taps WHERE resident_id = $1 AND tapped_at >= $2 ORDER BY tapped_at, id', [residentId, since]);
  const all = rows.map((row): Tap => ({ id: row.id, stationId: row.station_id, direction: row.direction, atMs: row.tapped_at.getTime() }));
  const firstIndex = all.findIndex((tap) => inWindow(tap.atMs));
  if (firstIndex < 0) return [];
  const taps = all.slice(firstIndex);
  const before = all[firstIndex - 1];
  const first = taps[0];
  if (first?.direction === 'out' && before?.direction === 'in') {
    const rules = rulesForServiceDay(deps.fares.schedule, serviceDayOf(before.atMs, deps.fares.schedule.serviceDay));
    if (first.atMs - before.atMs <= rules.maxJourneyMinutes * msPerMinute) taps.shift();
  }
  return taps;
}

async function recordDebt(deps: SettlementDeps, client: PoolClient, residentId: string): Promise<void> {
  const { rows } = await client.query<{ debt: string | null; currency: string | null; reason: string | null }>(`
    SELECT sum(amount_minor)::text AS debt, min(currency) AS currency, min(decline_reason) AS reason
      FROM settlement_steps WHERE resident_id = $1 AND status = 'declined' AND kind = 'charge'`, [residentId]);
  const debt = BigInt(rows[0]?.debt ?? '0');
  if (debt === 0n) return;
  const currency = rows[0]?.currency ?? deps.fares.schedule.currency;
  const changed = await withTransaction(deps.pool, async (tx) => {
    const upserted = await tx.query(`
      INSERT INTO deny_list AS d (resident_id, debt_minor, currency, reason) VALUES ($1, $2, $3, $4)
      ON CONFLICT (resident_id) DO UPDATE SET debt_minor = EXCLUDED.debt_minor, reason = EXCLUDED.reason
        WHERE d.debt_minor IS DISTINCT FROM EXCLUDED.debt_minor`,
    [residentId, debt, currency, rows[0]?.reason ?? 'DECLINED']);
    if (upserted.rowCount === 0) return false;
    await appendEvent(tx, {
      type: transitSubjects.denyListChanged, source: 'transit',
      payload: DenyListChanged.encode({ residentId, change: 'added', debtMinor: debt, currency }).finish(),
    });
    return true;
  });
  await deps.denyList.deny(residentId);
  if (changed) deps.logger.info('rider denied until a top-up pays the fare', { residentId, debtMinor: debt, currency });
}

async function clearDebt(deps: SettlementDeps, residentId: string): Promise<void> {
  const cleared = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ debt_minor: string; currency: string }>('DELETE FROM deny_list WHERE resident_id = $1 RETURNING debt_minor, currency', [residentId]);
    const row = rows[0];
    if (row === undefined) return false;
    await appendEvent(tx, {
      type: transitSubjects.denyListChanged, source: 'transit',
      payload: DenyListChanged.encode({ residentId, change: 'cleared', debtMinor: BigInt(row.debt_minor), currency: row.currency }).finish(),
    });
    return true;
  });
  if (cleared) {
    await deps.denyList.clear(residentId);
    deps.logger.info('rider cleared: the fare debt is paid', { residentId });
  }
}
