// The hot writes (authorize, capture, void, charge) hand the ledger their response to store under the idempotency
// key, and get back what the key stored.
import { encodeMessage, type MessageEncoder } from '@citypass/platform/protobuf';

/**
 * The response encoded for the ledger, and the answer to give once the statement returns what the key stored: this
 * response when the write is new (the message at hand, so nothing is decoded), or the first answer when the key
 * was used before (a repeat), decoded then.
 */
export function ownAnswer<Response>(
  codec: MessageEncoder<Response> & { decode(bytes: Uint8Array): Response },
  response: Response,
): { readonly bytes: Uint8Array; of(stored: Buffer): Response } {
  const bytes = encodeMessage(codec, response);
  return { bytes, of: (stored) => (stored.equals(bytes) ? response : codec.decode(stored)) };
}
