// What wakes the relay: LISTEN for the `outbox` notifications appendEvent sends, on a dedicated connection that
// reconnects while the relay runs, and a wakeup that a notification (or a drain) resolves early.
import pg from 'pg';
import type { Logger } from './log.ts';

export interface Wakeup {
  notify(): void;
  /** Resolves on the next notify (or at once if one came since the last wait), or after `ms`. */
  wait(ms: number): Promise<void>;
}

export function createWakeup(): Wakeup {
  let pending = false;
  let release: (() => void) | undefined;
  return {
    notify: () => {
      pending = true;
      release?.();
    },
    wait: (ms) => {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          release = undefined;
          pending = false;
          resolve();
        }
        release = done;
      });
    },
  };
}

export interface ListenOptions {
  readonly pool: pg.Pool;
  /** Where to LISTEN (a direct connection, not a transaction-mode pooler). Default: the pool's settings. */
  readonly listenUrl?: string;
  readonly logger?: Logger;
}

/** LISTENs for `outbox` notifications on a dedicated connection, reconnecting while running. Returns a closer. */
export async function listenForOutbox(
  options: ListenOptions,
  onNotify: () => void,
  signal: AbortSignal,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connectListener = async (): Promise<void> => {
    const next = new pg.Client(
      options.listenUrl === undefined
        ? options.pool.options
        : { connectionString: options.listenUrl, connectionTimeoutMillis: 5_000 },
    );
    next.on('notification', onNotify);
    next.on('error', (error) => {
      options.logger?.warn('outbox listener lost its connection', { error });
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!signal.aborted)
        retry = setTimeout(() => {
          void connectListener();
        }, 1_000);
    });
    try {
      await next.connect();
      await next.query('LISTEN outbox');
      client = next;
      onNotify(); // rows may have been written while no one listened
    } catch (error) {
      next.removeAllListeners('error');
      await next.end().catch(() => undefined);
      options.logger?.warn('outbox listener cannot connect; polling only', { error });
      if (!signal.aborted)
        retry = setTimeout(() => {
          void connectListener();
        }, 1_000);
    }
  };
  await connectListener();
  return async () => {
    clearTimeout(retry);
    const current = client;
    client = undefined;
    await current?.end().catch(() => undefined);
  };
}
