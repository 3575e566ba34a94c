// ES256 signatures travel as r||s (64 bytes, RFC 7518 section 3.4), but node:crypto is fastest when handed a bare
// KeyObject, and then speaks DER: passing { key, dsaEncoding: 'ieee-p1363' } instead makes node try two type checks
// that throw and catch internally on every call (measured: ~40% slower verify, ~2.5x slower sign on Node 24).
// So the conversion happens here, in a few lines of JS.
import assert from 'node:assert/strict';

const scalarBytes = 32;

/** r||s (64 bytes) to a DER ECDSA-Sig-Value. Any 64 bytes convert; whether they verify is OpenSSL's business. */
export function p1363ToDer(signature: Uint8Array): Buffer {
  assert.equal(signature.length, 2 * scalarBytes, 'ES256 signature must be 64 bytes');
  const rStart = firstSignificantByte(signature, 0);
  const sStart = firstSignificantByte(signature, scalarBytes);
  const rPad = (signature[rStart] ?? 0) >= 0x80 ? 1 : 0;
  const sPad = (signature[sStart] ?? 0) >= 0x80 ? 1 : 0;
  const rLength = rPad + scalarBytes - rStart;
  const sLength = sPad + 2 * scalarBytes - sStart;
  const der = Buffer.allocUnsafe(6 + rLength + sLength);
  der[0] = 0x30;
  der[1] = 4 + rLength + sLength;
  der[2] = 0x02;
  der[3] = rLength;
  der[4] = 0;
  der.set(signature.subarray(rStart, scalarBytes), 4 + rPad);
  const sOffset = 4 + rLength;
  der[sOffset] = 0x02;
  der[sOffset + 1] = sLength;
  der[sOffset + 2] = 0;
  der.set(signature.subarray(sStart), sOffset + 2 + sPad);
  return der;
}

/** Where a 32-byte unsigned scalar starting at `from` stops having redundant leading zeros (its last byte at most). */
function firstSignificantByte(signature: Uint8Array, from: number): number {
  let index = from;
  while (index < from + scalarBytes - 1 && signature[index] === 0) index += 1;
  return index;
}

/** A DER ECDSA-Sig-Value from OpenSSL to r||s, each left-padded to 32 bytes. */
export function derToP1363(der: Uint8Array): Buffer {
  assert.ok(der[0] === 0x30 && der[1] === der.length - 2, 'ECDSA signature is not a short DER sequence');
  const signature = Buffer.alloc(2 * scalarBytes);
  let offset = 2;
  for (const target of [0, scalarBytes]) {
    const length = der[offset + 1] ?? 0;
    assert.ok(der[offset] === 0x02 && offset + 2 + length <= der.length, 'ECDSA signature integer is malformed');
    let value = der.subarray(offset + 2, offset + 2 + length);
    while (value.length > scalarBytes && value[0] === 0) value = value.subarray(1);
    assert.ok(value.length <= scalarBytes, 'ECDSA signature integer is longer than 32 bytes');
    signature.set(value, target + scalarBytes - value.length);
    offset += 2 + length;
  }
  return signature;
}
