// A top-up can pay a transit debt: when the wallet reports one for a resident with declined fares, those charges
// become pending again (the same wallet idempotency keys: a declined call wrote nothing) and the settler retries them; the resident
// leaves the deny list once they succeed. Recorded in the inbox, so a redelivered event changes nothing twice.
import { walletEventSubjects } from '@citypass/contracts';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { ToppedUp } from '@citypass/proto/wallet/v1/wallet';
import type { Logger } from '@citypass/platform/log';
import { startConsumer } from '@citypass/platform/outbox';
import type { TransitStore } from '../app/transit_store.ts';

const toppedUpSubject = walletEventSubjects.toppedUp;
const consumer = 'transit-topups';

export async function startTopUpConsumer(options: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  store: TransitStore;
  logger: Logger;
  onRetry?: () => void;
}): Promise<{ stop(): Promise<void> }> {
  return startConsumer({
    js: options.js,
    jsm: options.jsm,
    stream: options.stream,
    durable: consumer,
    filterSubject: toppedUpSubject,
    logger: options.logger,
    handler: async (envelope) => {
      const event = ToppedUp.decode(envelope.payload);
      const retried = await options.store.transaction(async (tx) => {
        if (!(await tx.processOnce(consumer, envelope.id))) return 0;
        return tx.steps.retryDeclined(event.residentId);
      });
      if (retried > 0) {
        options.logger.info('top-up received: retrying declined fares', {
          residentId: event.residentId,
          steps: retried,
        });
        options.onRetry?.();
      }
    },
  });
}
