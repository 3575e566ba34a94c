// The deny list's side of settlement: a declined fare puts the resident on it with the debt (announced once per
// change), and a rider whose steps all went through is taken off it.
import { DenyListChanged } from '@citypass/proto/transit/v1/transit';
import { transitSubjects } from '../bus/transit_events.ts';
import type { SettlementDeps } from './settlement_deps.ts';
import { transitReasons } from '@citypass/contracts';

export async function recordDebt(deps: SettlementDeps, residentId: string): Promise<void> {
  const declined = await deps.store.steps.declinedDebt(residentId);
  const debt = declined.debtMinor;
  if (debt === 0n) return;
  const currency = declined.currency ?? deps.fares.schedule.currency;
  const changed = await deps.store.transaction(async (tx) => {
    if (
      !(await tx.denyList.deny(residentId, {
        debtMinor: debt,
        currency,
        reason: declined.reason ?? transitReasons.DECLINED,
        riskDecisionId: declined.riskDecisionId,
      }))
    )
      return false;
    await tx.appendEvent({
      type: transitSubjects.denyListChanged,
      source: 'transit',
      payload: DenyListChanged.encode({ residentId, change: 'added', debtMinor: debt, currency }).finish(),
    });
    return true;
  });
  await deps.denyList.deny(residentId);
  if (changed)
    deps.logger.info('rider denied until a top-up pays the fare', {
      residentId,
      debtMinor: debt,
      currency,
      reason: declined.reason,
      riskDecisionId: declined.riskDecisionId,
    });
}

export async function clearDebt(deps: SettlementDeps, residentId: string): Promise<void> {
  const cleared = await deps.store.transaction(async (tx) => {
    const entry = await tx.denyList.clear(residentId);
    if (entry === undefined) return false;
    await tx.appendEvent({
      type: transitSubjects.denyListChanged,
      source: 'transit',
      payload: DenyListChanged.encode({
        residentId,
        change: 'cleared',
        debtMinor: entry.debtMinor,
        currency: entry.currency,
      }).finish(),
    });
    return true;
  });
  if (cleared) {
    await deps.denyList.clear(residentId);
    deps.logger.info('rider cleared: the fare debt is paid', { residentId });
  }
}
