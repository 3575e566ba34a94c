// The revocation set the mandate verifier consults, kept equal to identity's KV bucket. Money fails closed: if
// the watch dies, every check raises UNAVAILABLE until a new watch has loaded the bucket again.
import type { KV } from '@nats-io/kv';
import { RevocationSet, watchRevocations, type RevocationList } from '@citypass/credential';
import { DomainError } from '@citypass/platform/errors';
import type { Logger } from '@citypass/platform/log';

export class GuardedRevocations implements RevocationList {
  readonly #set = new RevocationSet();
  #live = false;
  #stopped = false;
  #stop: (() => Promise<void>) | undefined;

  isRevoked(credentialId: string, atMs?: number): boolean {
    if (!this.#live) throw new DomainError('unavailable', 'REVOCATIONS_UNAVAILABLE', 'credential status is not available right now');
    return this.#set.isRevoked(credentialId, atMs);
  }

  async start(kv: KV, logger: Logger): Promise<void> {
    const watch = await watchRevocations(kv, this.#set);
    this.#live = true;
    this.#stop = () => watch.stop();
    void watch.closed.then((error) => {
      this.#live = false;
      if (this.#stopped) return;
      logger.error('credential status watch ended; refusing mandates until it is back', { error });
      const retry = (): void => {
        if (this.#stopped) return;
        this.start(kv, logger).catch(() => setTimeout(retry, 1000));
      };
      setTimeout(retry, 250);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#stop?.();
  }
}
