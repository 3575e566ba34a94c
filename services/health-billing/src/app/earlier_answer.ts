// For commands whose work spans several transactions (check-in verifies a presentation first, a payment calls the
// wallet between them): the stored answer of an earlier request under the key, looked up without keeping the claim,
// so that the claim and its answer are committed together at the end.
import type { HealthBillingStore } from './store.ts';

class NotAnsweredYet extends Error {}

export async function earlierAnswer(
  store: HealthBillingStore,
  operation: string,
  key: string,
  request: Uint8Array,
): Promise<Buffer | undefined> {
  try {
    return await store.transaction(async (tx) => {
      const first = await tx.claim(operation, key, request);
      if (first === undefined) throw new NotAnsweredYet();
      return first;
    });
  } catch (error) {
    if (error instanceof NotAnsweredYet) return undefined;
    throw error;
  }
}
