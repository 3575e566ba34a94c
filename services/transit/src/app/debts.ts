// The deny list's side of settlement: a declined fare puts the resident on it with the debt (announced once per
// change), and a rider whose steps all went through is taken off it.
import { DenyListChanged } from '@citypass/proto/transit/v1/transit';
import { appendEvent } from '@citypass/platform/outbox';
import { withTransaction } from '@citypass/platform/pg';
import { transitSubjects } from '../bus/transit_events.ts';
import type { SettlementDeps } from './settlement_deps.ts';

export async function recordDebt(deps: SettlementDeps, residentId: string): Promise<void> {
  const { rows } = await deps.pool.query<{ debt: string | null; currency: string | null; reason: string | null }>(`
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

export async function clearDebt(deps: SettlementDeps, residentId: string): Promise<void> {
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
