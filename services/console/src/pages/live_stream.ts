// One live page's Server-Sent Events: after each change in the live views (at most once a second, and at least once
// a minute so the charts move on), each fragment is sent as an event of its name, for htmx's sse extension to swap.
// A stream ends after `maxStreamMs` (the browser reconnects through the session check) or when too many listen.
import type { SSEStreamingApi } from 'hono/streaming';
import type { LiveViews } from '../live/live_views.ts';
import type { Html } from './layout.ts';

const sendEveryMs = 1_000;
const refreshEveryMs = 60_000;
const maxStreamMs = 10 * 60_000;

export async function liveStream(
  live: LiveViews,
  stream: SSEStreamingApi,
  fragments: () => Record<string, Html>,
): Promise<void> {
  let changed = true;
  const stop = live.listen(() => {
    changed = true;
  });
  if (stop === undefined) {
    await stream.writeSSE({ event: 'busy', data: 'too many live views are open; reload later' });
    return;
  }
  stream.onAbort(stop);
  const startedMs = Date.now();
  let sentMs = 0;
  try {
    while (!stream.aborted && Date.now() - startedMs < maxStreamMs) {
      if (changed || Date.now() - sentMs >= refreshEveryMs) {
        changed = false;
        sentMs = Date.now();
        for (const [event, fragment] of Object.entries(fragments()))
          await stream.writeSSE({ event, data: String(await fragment) });
      }
      await stream.sleep(sendEveryMs);
    }
  } finally {
    stop();
  }
}
