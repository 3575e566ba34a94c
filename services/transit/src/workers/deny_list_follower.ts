// Keeps this instance's deny list current: follows the KV bucket (every instance's changes) and, every 30 s, makes
// the bucket equal to the table, so a change lost to a crash or a bucket outage converges.
import type { Logger } from '@citypass/platform/log';
import type { DenyListMirror } from '../app/deny_list.ts';
import { every } from './every.ts';

export async function startDenyListFollower(mirror: DenyListMirror, logger: Logger, resyncIntervalMs = 30_000): Promise<{ stop(): Promise<void> }> {
  const watch = await mirror.watchBucket();
  void watch.closed.then((error) => {
    if (error !== undefined) logger.error('deny list watch ended; this instance decides with the list it has until restarted', { error });
  });
  const resync = every(resyncIntervalMs, () => mirror.resync(), (error) => { logger.warn('deny list resync failed', { error }); });
  return {
    async stop() {
      resync.stop();
      await watch.stop();
    },
  };
}
