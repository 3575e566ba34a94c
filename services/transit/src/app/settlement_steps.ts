// Carrying out settlement steps against the wallet: a charge is one combined charge (the journey's first tap as
// mandate), a correction is a refund against the journey's holds. Keys are fixed per step and attempt, so a step
// repeated after a crash or a timeout makes the same wallet calls and never moves money twice; each step runs in
// the trace of its mandate tap.
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { inSpan } from '@citypass/platform/spans';
import { JourneySettled } from '@citypass/proto/transit/v1/transit';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';
import { isDomainError } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import { minorUnits } from '@citypass/platform/money';
import { transitSubjects } from '../bus/transit_events.ts';
import { fareHoldReference } from '../domain/fare_reference.ts';
import { transitMetrics } from '../metrics.ts';
import type { SettlementDeps } from './settlement_deps.ts';
import type { RiderLease, SettlementStep, TransitStore } from './transit_store.ts';
import { riskDecisionIdKey, walletReasons } from '@citypass/contracts';
import { credentialReasons } from '@citypass/credential';
import { commonReasons } from '@citypass/platform/reasons';

const tracer = trace.getTracer('citypass.transit.settlement');

/**
 * Runs one step's wallet calls in the trace of the tap that is its mandate, linked to the settlement pass: the
 * trace that began at the gate continues through NATS into the wallet's ledger rows.
 */
async function inTapTrace<T>(store: TransitStore, step: SettlementStep, run: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, await store.taps.traceContextOf(step.mandateTapId));
  const settlement = trace.getSpanContext(context.active());
  const links = settlement === undefined ? [] : [{ context: settlement }];
  return context.with(parent, () =>
    inSpan(
      tracer,
      `transit settle ${step.kind}`,
      { links, attributes: { 'citypass.journey_id': step.journeyId } },
      run,
    ),
  );
}

/** Carries out pending steps in order; 'declined' as soon as a charge is declined or one waits for a top-up. */
export async function runOpenSteps(
  deps: SettlementDeps,
  lease: RiderLease,
  residentId: string,
): Promise<'done' | 'declined'> {
  for (const step of await deps.store.steps.open(residentId)) {
    if (step.status === 'declined') return 'declined';
    await lease.renew();
    try {
      await inTapTrace(deps.store, step, () =>
        step.kind === 'charge' ? runCharge(deps, residentId, step) : runRefund(deps, residentId, step),
      );
      transitMetrics.settlementSteps.add(1, { kind: step.kind, outcome: 'done' });
    } catch (error) {
      const outcome = step.kind === 'charge' ? outcomeOfRefusal(error) : 'retry';
      if (outcome === 'retry') {
        transitMetrics.settlementSteps.add(1, { kind: step.kind, outcome: 'failed' });
        throw error;
      }
      const reason = isDomainError(error) ? error.reason : commonReasons.UNKNOWN;
      const riskDecisionId = riskReasons.has(reason) ? riskDecisionIdOf(error) : undefined;
      transitMetrics.settlementSteps.add(1, { kind: step.kind, outcome, reason });
      if (outcome === 'written_off') {
        await deps.store.transaction((tx) => finishStep(tx, residentId, step, reason));
        deps.logger.warn('fare written off: the wallet will not accept its mandate', {
          residentId,
          journeyId: step.journeyId,
          reason,
        });
        continue;
      }
      await deps.store.steps.decline(step.id, reason, riskDecisionId);
      return 'declined';
    }
  }
  return 'done';
}

/** The wallet's stored decision behind a risk refusal, when its metadata names one (a uuid, the column's type). */
function riskDecisionIdOf(error: unknown): string | undefined {
  const id = isDomainError(error) ? error.metadata[riskDecisionIdKey] : undefined;
  return id !== undefined && isUuid(id) ? id : undefined;
}

/** Refusals that are the resident's to settle: the fare becomes a debt until a top-up (or, for limits, a later day). */
const debtReasons = new Set<string>([
  walletReasons.INSUFFICIENT_FUNDS,
  walletReasons.RISK_DAILY_LIMIT,
  walletReasons.RISK_CREDENTIAL_CAP,
  walletReasons.MANDATE_CAP_EXCEEDED,
]);
/**
 * The wallet's risk engine refused the fare. A gate never asks the phone to confirm (it decided offline), so the
 * refusal stands: a debt like an unpaid fare, the resident denied at the gates with the decision the operator can
 * look up. A top-up has the charge tried again (and decided again); it passes only if the engine now approves.
 */
const riskReasons = new Set<string>([walletReasons.RISK_DECLINED, walletReasons.RISK_BLOCKED]);
/** Refusals no one can ever fix for this tap: the ride cannot be charged, and is written off. */
const writeOffReasons = new Set<string>([walletReasons.TAP_TOO_OLD, credentialReasons.CREDENTIAL_REVOKED]);

/**
 * What a refused charge means. The resident's money, limits, an amount cap they put on the tap, or the wallet's risk
 * engine: a debt. A tap
 * the wallet can never accept (past the settlement window, or its credential revoked before it): written off.
 * Anything else (an outage, a key rotation not yet seen, a velocity limit that passes, transit's own token or
 * scopes): retried on a later pass, never held against the resident and never forgiven.
 */
function outcomeOfRefusal(error: unknown): 'declined' | 'written_off' | 'retry' {
  if (!isDomainError(error)) return 'retry';
  if (debtReasons.has(error.reason) || riskReasons.has(error.reason)) return 'declined';
  if (writeOffReasons.has(error.reason)) return 'written_off';
  return 'retry';
}

async function runCharge(deps: SettlementDeps, residentId: string, step: SettlementStep): Promise<void> {
  const mandate = await deps.store.taps.mandateOf(step.mandateTapId);
  if (mandate === undefined) throw new Error(`the mandate tap of step ${step.id} is missing`);
  // Key and reference per attempt: a retry of the same attempt (crash, timeout) repeats them exactly, and the wallet
  // answers as it first did. The fare is final: one combined charge, nothing held in between to run out.
  const hold = await deps.wallet.charge({
    key: `fare-${step.id}-${step.attempt}`,
    ...mandate,
    amountMinor: step.amountMinor,
    currency: step.currency,
    reference: fareHoldReference(step.id, step.attempt),
  });
  await deps.store.transaction(async (tx) => {
    await tx.journeys.addHold({
      holdId: hold.holdId,
      residentId,
      journeyId: step.journeyId,
      capturedMinor: minorUnits(hold.capturedMinor),
    });
    await finishStep(tx, residentId, step);
  });
  transitMetrics.chargedMinor.add(Number(step.amountMinor), { currency: step.currency });
}

async function runRefund(deps: SettlementDeps, residentId: string, step: SettlementStep): Promise<void> {
  let remaining = step.amountMinor - (await deps.store.steps.refundedFor(step.id));
  for (const held of await deps.store.journeys.refundableHolds(residentId, step.journeyId)) {
    if (remaining === 0n) break;
    const amount = minorUnits(held.leftMinor < remaining ? held.leftMinor : remaining);
    // A crash after this call and before the record below repeats it with the same key and amount.
    const hold: Hold = await deps.wallet.refund({
      key: `fare-${step.id}-${held.holdId}`,
      holdId: held.holdId,
      amountMinor: amount,
      reason: 'fare corrected',
    });
    await deps.store.transaction((tx) =>
      tx.steps.recordRefund(step.id, held.holdId, amount, minorUnits(hold.refundedMinor)),
    );
    transitMetrics.refundedMinor.add(Number(amount), { currency: step.currency });
    remaining -= amount;
  }
  // What is left was never taken (a written-off charge): lowering the fare moves no money for it.
  await deps.store.transaction((tx) => finishStep(tx, residentId, step));
}

/** Records the journey's new charge; a written-off step records it too, with no money moved and no event. */
async function finishStep(
  tx: TransitStore,
  residentId: string,
  step: SettlementStep,
  writtenOffReason?: string,
): Promise<void> {
  await tx.steps.finish(step.id, writtenOffReason);
  await tx.journeys.recordCharge(residentId, {
    journeyId: step.journeyId,
    serviceDate: step.serviceDate,
    chargedMinor: step.chargedAfterMinor,
    currency: step.currency,
  });
  if (writtenOffReason !== undefined) return;
  await tx.appendEvent({
    type: transitSubjects.journeySettled,
    source: 'transit',
    payload: JourneySettled.encode({
      journeyId: step.journeyId,
      residentId,
      serviceDate: step.serviceDate,
      chargedMinor: step.chargedAfterMinor,
      currency: step.currency,
    }).finish(),
  });
}
