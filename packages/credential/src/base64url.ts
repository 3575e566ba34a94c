// Strict base64url (RFC 4648 section 5, no padding). Decoding accepts only the canonical encoding, so one byte
// string has exactly one text form: no padding, no whitespace, no '+' or '/', no stray bits in the last character.
const alphabetPattern = /^[A-Za-z0-9_-]*$/;
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function encodeBase64Url(data: Uint8Array | string): string {
  return (
    typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  ).toString('base64url');
}

export function isCanonicalBase64Url(text: string): boolean {
  const remainder = text.length % 4;
  if (remainder === 1 || !alphabetPattern.test(text)) return false;
  if (remainder === 0) return true;
  // The last character carries 4 (remainder 2) or 2 (remainder 3) unused low bits, which must be zero.
  const lastValue = alphabet.indexOf(text.charAt(text.length - 1));
  const unusedBitsMask = remainder === 2 ? 0b1111 : 0b11;
  return (lastValue & unusedBitsMask) === 0;
}

/** The decoded bytes, or undefined when `text` is not canonical base64url. */
export function decodeBase64Url(text: string): Buffer | undefined {
  return isCanonicalBase64Url(text) ? Buffer.from(text, 'base64url') : undefined;
}
