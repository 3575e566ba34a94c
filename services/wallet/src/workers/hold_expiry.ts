// Holds release themselves: a sweeper expires pending holds past their time, in batches, each batch with its
// events in one transaction. Several wallet instances may sweep at once (SKIP LOCKED).
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { WalletStore } from '../app/store.ts';
import { holdChanged } from '../bus/wallet_events.ts';
import { walletMetrics } from '../metrics.ts';

const batchSize = 200;

/** Expires what is due now; returns how many holds it released. */
export async function expireDueHolds(store: WalletStore): Promise<number> {
  let released = 0;
  for (;;) {
    const count = await store.transaction(async (tx) => {
      const holds = await tx.expireDueHolds(batchSize);
      // One statement for the batch's events: the swept residents' accounts stay locked until the commit, and
      // their authorizations (and the group-commit batches that carry them) wait for it.
      await tx.appendEvents(
        holds.map((hold) =>
          holdChanged('holdExpired', {
            hold,
            transferId: '',
            amountMinor: hold.amount?.amountMinor ?? 0n,
            payerTransferId: '',
            payerAmountMinor: hold.payerAmountMinor,
          }),
        ),
      );
      return holds.length;
    });
    released += count;
    walletMetrics.holdsExpired.add(count);
    if (count < batchSize) return released;
  }
}

/** Sweeps every `intervalMs`; a sweep still working through a backlog makes the next tick skip. */
export function startHoldSweeper(store: WalletStore, logger: Logger, intervalMs: number): PeriodicJob {
  return runPeriodically({ name: 'hold expiry', intervalMs, logger }, async () => {
    await expireDueHolds(store);
  });
}
