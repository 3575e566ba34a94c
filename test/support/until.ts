// Waits for a condition a system test cannot observe directly (an event relayed, a settlement pass): retries until
// it holds, failing with `what` after the timeout. A throwing condition counts as not yet, until the deadline.
import assert from 'node:assert/strict';

export async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
