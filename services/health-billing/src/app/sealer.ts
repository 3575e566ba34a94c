// The key ring (platform key_ring.ts) as app's Sealer for medical text (and its keyed digests), and as the codec that
// seals stored idempotent responses (they carry bills).
import type { KeyRing } from '@citypass/platform/key_ring';
import type { ResponseCodec } from '@citypass/platform/idempotency';
import type { Sealer } from './store.ts';

export function sealerOf(ring: KeyRing): Sealer {
  return {
    seal: (plaintext, context) => ring.seal(plaintext, context),
    open: (sealed, context) => ring.open(sealed, context).toString('utf8'),
    digests: (value, purpose) => ring.keyIds.map((keyId) => ring.digest(value, purpose, keyId)),
  };
}

export function responseCodecOf(ring: KeyRing): ResponseCodec {
  return {
    seal: (plaintext, context) => ring.seal(plaintext, context),
    open: (sealed, context) => ring.open(sealed, context),
  };
}
