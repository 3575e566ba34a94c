// Encryption at rest with rotatable keys: AES-256-GCM under a ring of named 32-byte keys, read from one config
// string `k2:<base64url>,k1:<base64url>`. The first key is active and seals; every key opens. A sealed value names
// its key, so a ring that lists the old key after the new one opens both, and `rewrap` moves values to the new key
// before the old one is dropped.
//
// Layout: version (1 byte, 1) | key id length (1 byte) | key id (ASCII) | nonce (12 random bytes) | ciphertext |
// tag (16 bytes). The additional authenticated data is the header (version, length, key id) followed by the
// caller's context (`bill_line:<id>:description`): an altered header fails, and a value copied to another row or
// field does not open there. Random 96-bit nonces: rotate a key well before it has sealed 2^32 values.
//
// Keyed digests: `digest` gives an HMAC-SHA256 (first 16 bytes) of a value under a key derived (HKDF) from one ring
// key and a purpose, so equal values can be matched in the database (counted, indexed) while someone holding only
// the database cannot test guesses against them (hashing a catalogue of codes finds nothing without the key). A
// digest names no key: a caller that matches across a rotation asks for the digest under every ring key.
//
// Error messages name key ids and positions only, never key material, plaintext or sealed bytes.
import assert from 'node:assert/strict';
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

export type KeyRingErrorCode =
  /** The key ring text is not `<id>:<base64url 32-byte key>[,...]` with distinct ids. */
  | 'KEY_RING_INVALID'
  /** The value was sealed under a key the ring does not hold (removed too early, or another environment's). */
  | 'KEY_UNKNOWN'
  /** The value is malformed, was altered, or was sealed for another context. */
  | 'SEALED_VALUE_INVALID';

export class KeyRingError extends Error {
  readonly code: KeyRingErrorCode;

  constructor(code: KeyRingErrorCode, message: string) {
    super(message);
    this.name = 'KeyRingError';
    this.code = code;
  }
}

export interface KeyRing {
  /** The key that seals. */
  readonly activeKeyId: string;
  /** Every key id, the active one first. */
  readonly keyIds: readonly string[];
  seal(plaintext: string | Uint8Array, context: string): Buffer;
  /** `context` must be the one the value was sealed with. */
  open(sealed: Uint8Array, context: string): Buffer;
  /** The id of the key a value was sealed under (read from its header, not authenticated until it is opened). */
  keyIdOf(sealed: Uint8Array): string;
  /** Whether the value was sealed under a key other than the active one. */
  needsRewrap(sealed: Uint8Array): boolean;
  /** Opens the value and seals it again under the active key, with a fresh nonce. */
  rewrap(sealed: Uint8Array, context: string): Buffer;
  /** The keyed digest (16 bytes) of `value` for `purpose` under ring key `keyId` (default: the active key). */
  digest(value: string, purpose: string, keyId?: string): Buffer;
}

const formatVersion = 1;
const keyLengthBytes = 32;
const digestBytes = 16;
const nonceBytes = 12;
const tagBytes = 16;
const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;
const base64urlPattern = /^[A-Za-z0-9_-]+$/;

/** Parses `k2:<base64url>,k1:<base64url>` (the first is active); every problem is reported together. */
export function parseKeyRing(text: string): KeyRing {
  const problems: string[] = [];
  const keys = new Map<string, KeyObject>();
  const entries = text.trim() === '' ? [] : text.split(',');
  if (entries.length === 0) problems.push('it holds no key');
  const seenIds = new Set<string>();
  entries.forEach((entry, index) => {
    const parsed = parseEntry(entry, seenIds);
    if (typeof parsed === 'string') problems.push(`entry ${index + 1}${parsed}`);
    else keys.set(parsed.id, parsed.key);
  });
  if (problems.length > 0) throw new KeyRingError('KEY_RING_INVALID', `invalid key ring: ${problems.join('; ')}`);
  return new AesGcmKeyRing(keys);
}

/** One `<id>:<base64url key>` entry, or what is wrong with it (every problem, after the entry's position). */
function parseEntry(entry: string, seenIds: Set<string>): { id: string; key: KeyObject } | string {
  const separator = entry.indexOf(':');
  if (separator === -1) return ' is not <key id>:<base64url key>';
  const id = entry.slice(0, separator).trim();
  const encoded = entry.slice(separator + 1).trim();
  const problems: string[] = [];
  // An invalid id is not echoed: it may be key material pasted in the wrong place.
  if (!keyIdPattern.test(id)) problems.push('the key id must be 1-32 of A-Z a-z 0-9 _ -');
  else if (seenIds.has(id)) problems.push(`key id "${id}" is listed twice`);
  seenIds.add(id);
  const bytes = base64urlPattern.test(encoded) ? Buffer.from(encoded, 'base64url') : undefined;
  if (bytes === undefined) problems.push('the key is not base64url');
  else if (bytes.length !== keyLengthBytes)
    problems.push(`the key is ${bytes.length} bytes, it must be ${keyLengthBytes}`);
  const key = problems.length === 0 && bytes !== undefined ? createSecretKey(bytes) : undefined; // a copy
  bytes?.fill(0);
  return key === undefined ? `: ${problems.join(', ')}` : { id, key };
}

/** A one-key ring text with a fresh random key, for development setups and tests. */
export function generateKeyRingText(id = 'k1'): string {
  assert.match(id, keyIdPattern, 'a key id is 1-32 of A-Z a-z 0-9 _ -');
  return `${id}:${randomBytes(keyLengthBytes).toString('base64url')}`;
}

class AesGcmKeyRing implements KeyRing {
  readonly activeKeyId: string;
  readonly keyIds: readonly string[];
  readonly #keys: ReadonlyMap<string, KeyObject>;
  /** Digest keys by "key id purpose", derived once. */
  readonly #digestKeys = new Map<string, KeyObject>();

  constructor(keys: ReadonlyMap<string, KeyObject>) {
    const ids = [...keys.keys()];
    assert.ok(ids[0] !== undefined, 'a key ring holds at least one key');
    this.activeKeyId = ids[0];
    this.keyIds = Object.freeze(ids);
    this.#keys = keys;
  }

  seal(plaintext: string | Uint8Array, context: string): Buffer {
    assert.ok(context !== '', 'a sealed value needs a context');
    const header = headerFor(this.activeKeyId);
    const nonce = randomBytes(nonceBytes);
    const cipher = createCipheriv('aes-256-gcm', this.#key(this.activeKeyId), nonce);
    cipher.setAAD(Buffer.concat([header, Buffer.from(context, 'utf8')]));
    const body = [cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext)];
    body.push(cipher.final());
    return Buffer.concat([header, nonce, ...body, cipher.getAuthTag()]);
  }

  open(sealed: Uint8Array, context: string): Buffer {
    const { keyId, headerLength } = readHeader(sealed);
    const key = this.#key(keyId);
    const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(headerLength, headerLength + nonceBytes), {
      authTagLength: tagBytes,
    });
    decipher.setAAD(Buffer.concat([data.subarray(0, headerLength), Buffer.from(context, 'utf8')]));
    decipher.setAuthTag(data.subarray(data.length - tagBytes));
    const plaintext = decipher.update(data.subarray(headerLength + nonceBytes, data.length - tagBytes));
    try {
      return Buffer.concat([plaintext, decipher.final()]);
    } catch {
      plaintext.fill(0);
      throw new KeyRingError(
        'SEALED_VALUE_INVALID',
        'the sealed value failed authentication: it was altered or sealed for another context',
      );
    }
  }

  keyIdOf(sealed: Uint8Array): string {
    return readHeader(sealed).keyId;
  }

  needsRewrap(sealed: Uint8Array): boolean {
    return this.keyIdOf(sealed) !== this.activeKeyId;
  }

  rewrap(sealed: Uint8Array, context: string): Buffer {
    const plaintext = this.open(sealed, context);
    try {
      return this.seal(plaintext, context);
    } finally {
      plaintext.fill(0);
    }
  }

  digest(value: string, purpose: string, keyId = this.activeKeyId): Buffer {
    assert.ok(purpose !== '', 'a digest needs a purpose');
    const name = `${keyId} ${purpose}`;
    let key = this.#digestKeys.get(name);
    if (key === undefined) {
      const derived = Buffer.from(hkdfSync('sha256', this.#key(keyId), '', `citypass digest:${purpose}`, 32));
      key = createSecretKey(derived); // a copy
      derived.fill(0);
      this.#digestKeys.set(name, key);
    }
    return createHmac('sha256', key).update(value, 'utf8').digest().subarray(0, digestBytes);
  }

  #key(keyId: string): KeyObject {
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new KeyRingError('KEY_UNKNOWN', `the key ring holds no key "${keyId}"`);
    return key;
  }
}

function headerFor(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([Buffer.of(formatVersion, id.length), id]);
}

function readHeader(sealed: Uint8Array): { keyId: string; headerLength: number } {
  const malformed = (what: string): KeyRingError =>
    new KeyRingError('SEALED_VALUE_INVALID', `the sealed value ${what}`);
  if (sealed.length < 2) throw malformed('is too short');
  if (sealed[0] !== formatVersion) throw malformed(`has an unknown format version ${String(sealed[0])}`);
  const headerLength = 2 + (sealed[1] ?? 0);
  if (sealed.length < headerLength + nonceBytes + tagBytes) throw malformed('is too short');
  const keyId = Buffer.from(sealed.subarray(2, headerLength)).toString('latin1');
  if (!keyIdPattern.test(keyId)) throw malformed('has an invalid key id');
  return { keyId, headerLength };
}
