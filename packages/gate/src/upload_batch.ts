// One UploadTaps request: the oldest pending taps that fit under a count and an encoded size, never fewer than one.
// Sizes are exact: a request's encoding is its gate_id field plus, per tap, its key, length and encoded StoredTap.
import { StoredTap, UploadTapsRequest } from '@citypass/proto/transit/v1/transit';
import { storableReason, type JournaledTap } from './journal_format.ts';

export type UploadBatch = {
  /** The journaled taps sent, in request order (what is acknowledged or set aside). */
  readonly taps: readonly JournaledTap[];
  readonly request: UploadTapsRequest;
  /** UploadTapsRequest.encode(request).finish().length. */
  readonly requestBytes: number;
};

/** `pending` oldest first, already cut to the count limit; the result stays within `maxBytes` unless one tap alone is over. */
export function uploadBatchOf(gateId: string, pending: readonly JournaledTap[], maxBytes: number): UploadBatch {
  const taps: JournaledTap[] = [];
  const stored: StoredTap[] = [];
  let requestBytes = UploadTapsRequest.encode({ gateId, taps: [] }).finish().length;
  for (const tap of pending) {
    const storedTap = storedTapOf(tap);
    const tapBytes = repeatedFieldBytes(StoredTap.encode(storedTap).finish().length);
    if (taps.length > 0 && requestBytes + tapBytes > maxBytes) break;
    taps.push(tap);
    stored.push(storedTap);
    requestBytes += tapBytes;
  }
  return { taps, request: { gateId, taps: stored }, requestBytes };
}

/**
 * A journaled tap as transit takes it. A DENY tap goes without its presentation and with a bounded reason even when
 * a journal written before those rules holds them.
 */
export function storedTapOf(tap: JournaledTap): StoredTap {
  const denied = tap.decision === 'DENY';
  return {
    tapId: tap.tapId,
    presentation: denied ? '' : tap.presentation,
    direction: tap.direction,
    tappedAt: new Date(tap.tappedAtMs),
    decision: tap.decision,
    reason: denied ? storableReason(tap.reason) : '',
  };
}

/** A length-delimited field number 2: one key byte, the length as a varint, then the bytes. */
function repeatedFieldBytes(length: number): number {
  let varintBytes = 1;
  for (let rest = length >>> 7; rest > 0; rest >>>= 7) varintBytes++;
  return 1 + varintBytes + length;
}
