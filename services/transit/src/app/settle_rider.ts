// Settles one rider's fares through the wallet, journey by journey. Under a per-rider lease (one settler per
// rider across instances; no connection is held across the wallet calls): first the steps already decided and not finished are carried out (the same wallet
// idempotency keys, so a crash or timeout never charges twice), then the rider's recent taps are priced again and
// the differences from what was charged become new steps. A declined charge stops the rider: the resident goes on
// the deny list with the debt until a top-up makes the declined steps pending again.
//
// Per journey, not per day: the resident sees each journey's charge minutes after tapping out, a fare correction
// (a late tap from an offline gate, a cap reached later in the day) is a refund or charge on the journey it
// concerns, and the domain's adjustments make re-pricing idempotent.
import { clearDebt, recordDebt } from './debts.ts';
import { planSteps } from './settlement_plan.ts';
import type { SettlementDeps } from './settlement_deps.ts';
import { runOpenSteps } from './settlement_steps.ts';

export type SettleOutcome = 'settled' | 'declined' | 'busy';

export async function settleRider(deps: SettlementDeps, residentId: string): Promise<SettleOutcome> {
  const lease = await deps.store.riders.takeLease(residentId);
  if (lease === undefined) return 'busy';
  try {
    for (let round = 0; round < 3; round++) {
      if ((await runOpenSteps(deps, lease, residentId)) === 'declined') {
        await recordDebt(deps, residentId);
        // Nothing more until a top-up makes the declined steps pending (then every recent tap is priced again).
        await deps.store.riders.markWaitingForTopUp(residentId);
        return 'declined';
      }
      if ((await planSteps(deps, residentId)) === 0) break;
    }
    await clearDebt(deps, residentId);
    return 'settled';
  } finally {
    await lease.release().catch((error: unknown) => {
      deps.logger.warn('rider lease not released; it lapses', { residentId, error });
    });
  }
}
