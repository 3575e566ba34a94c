// The SHA-256 of an idempotent request's bytes (encoded without its key), computed once where the key is made: the
// ledger stores it beside the key (idempotency_keys.request_hash) and the risk engine's recent decisions compare
// it. Carrying the bytes instead had a charge hash its ~1.1 KB request (a presentation rides in it) four times.
import { hash } from 'node:crypto';

export function requestDigest(request: Uint8Array): Buffer {
  return hash('sha256', request, 'buffer');
}
