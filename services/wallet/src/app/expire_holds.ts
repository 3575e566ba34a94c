// Holds release themselves: a sweeper expires pending holds past their time, in batches, each batch with its
// events in one transaction. Several wallet instances may sweep at once (SKIP LOCKED).
import { withTransaction } from '@citypass/platform/pg';
import { holdChanged } from '../bus/wallet_events.ts';
import { holdColumns, holdFromRow, type HoldRow } from '../store/rows.ts';
import { walletMetrics } from '../metrics.ts';
import type { WalletDeps } from './deps.ts';

const batchSize = 200;

/** Expires what is due now; returns how many holds it released. */
export async function expireDueHolds(deps: Pick<WalletDeps, 'pool'>): Promise<number> {
  let released = 0;
  for (;;) {
    const count = await withTransaction(deps.pool, async (client) => {
      // The database's clock decides, so instances with skewed clocks agree on what is due.
      const result = await client.query<HoldRow>(`SELECT ${holdColumns} FROM wallet_expire_holds(now(), $1)`, [batchSize]);
      for (const row of result.rows) {
        const hold = holdFromRow(row);
        await holdChanged(client, 'holdExpired', { hold, transferId: '', amountMinor: hold.amount?.amountMinor ?? 0n });
      }
      return result.rows.length;
    });
    released += count;
    walletMetrics.holdsExpired.add(count);
    if (count < batchSize) return released;
  }
}

export function startHoldSweeper(deps: WalletDeps, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running !== undefined) return; // the previous sweep is still working through a backlog
    running = expireDueHolds(deps)
      .catch((error: unknown) => { deps.logger.error('hold expiry failed', { error }); })
      .finally(() => { running = undefined; });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
