// Settles one rider's fares through the wallet, journey by journey. Under a per-rider lease (one settler per
// rider across instances; no connection is held across the wallet calls): first the steps already decided and not finished are carried out (the same wallet
// idempotency keys, so a crash or timeout never charges twice), then the rider's recent taps are priced again and
// the differences from what was charged become new steps. A declined charge stops the rider: the resident goes on
// the deny list with the debt until a top-up makes the declined steps pending again.
//
// Per journey, not per day: the resident sees each journey's charge minutes after tapping out, a fare correction
// (a late tap from an offline gate, a cap reached later in the day) is a refund or charge on the journey it
// concerns, and the domain's adjustments make re-pricing idempotent.
import type { Pool } from '@citypass/platform/pg';
import { clearDebt, recordDebt } from './debts.ts';
import { takeRiderLease } from './rider_lease.ts';
import { planSteps } from './settlement_plan.ts';
import type { SettlementDeps } from './settlement_deps.ts';
import { runOpenSteps } from './settlement_steps.ts';

export type SettleOutcome = 'settled' | 'declined' | 'busy';

export async function settleRider(deps: SettlementDeps, residentId: string): Promise<SettleOutcome> {
  const lease = await takeRiderLease(deps.pool, residentId);
  if (lease === undefined) return 'busy';
  try {
    for (let round = 0; round < 3; round++) {
      if (await runOpenSteps(deps, lease, residentId) === 'declined') {
        await recordDebt(deps, residentId);
        // Nothing more until a top-up makes the declined steps pending (then every recent tap is priced again).
        await deps.pool.query('UPDATE riders SET settled_version = tap_version, recheck_at = NULL WHERE resident_id = $1', [residentId]);
        return 'declined';
      }
      if (await planSteps(deps, residentId) === 0) break;
    }
    await clearDebt(deps, residentId);
    return 'settled';
  } finally {
    await lease.release().catch((error: unknown) => { deps.logger.warn('rider lease not released; it lapses', { residentId, error }); });
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
