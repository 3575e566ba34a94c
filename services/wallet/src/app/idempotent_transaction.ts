// A ledger command that needs the database's answer for its response (a refund's hold after it, a top-up's
// balance): claim the key, run, record the response, all in one transaction. A repeat returns the first response.
import type { IdempotencyKey, LedgerTransaction, WalletStore } from './store.ts';

export interface ResponseCodec<Response> {
  encode(response: Response): Uint8Array;
  decode(bytes: Uint8Array): Response;
}

export async function idempotentTransaction<Response>(
  store: WalletStore,
  key: IdempotencyKey,
  codec: ResponseCodec<Response>,
  work: (tx: LedgerTransaction) => Promise<Response>,
): Promise<Response> {
  return store.transaction(async (tx) => {
    const stored = await tx.claim(key);
    if (stored !== undefined) return codec.decode(stored);
    const response = await work(tx);
    await tx.record(key, codec.encode(response));
    return response;
  });
}
