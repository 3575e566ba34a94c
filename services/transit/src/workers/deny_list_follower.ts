// Keeps this instance's deny list current: follows the KV bucket (every instance's changes) with the one bucket
// follower (last known list while the bucket cannot be followed: transit decides like a gate), and every 30 s makes
// the bucket equal to the table, so a change lost to a crash or a bucket outage converges.
import type { BucketFollower } from '@citypass/credential';
import type { Logger } from '@citypass/platform/log';
import { runPeriodically } from '@citypass/platform/periodic';
import type { DenyListMirror } from '../app/deny_list.ts';

export function startDenyListFollower(
  follower: BucketFollower,
  mirror: DenyListMirror,
  logger: Logger,
  resyncIntervalMs = 30_000,
): { stop(): Promise<void> } {
  follower.start();
  const resync = runPeriodically({ name: 'deny list resync', intervalMs: resyncIntervalMs, logger }, async () => {
    await mirror.resync();
  });
  return {
    async stop() {
      await resync.stop();
      await follower.stop();
    },
  };
}
