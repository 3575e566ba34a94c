// Compact JWS (RFC 7515) restricted to ES256 (ECDSA P-256 + SHA-256, RFC 7518 section 3.4). Keys are KeyObjects
// parsed once by the caller; on the wire signatures are the 64-byte r||s form JWS uses (ieee-p1363), never DER.
import { sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from './base64url.ts';
import { derToP1363, p1363ToDer } from './ecdsa_der.ts';
import { credentialError, credentialReasons } from './errors.ts';

export type JwsHeaderInput = { readonly alg: 'ES256'; readonly typ?: string; readonly kid?: string };
export type JsonObject = Record<string, unknown>;

export type DecodedJws = {
  /** Shared and frozen: decoded headers are cached by their text, since every key binding carries the same one. */
  readonly header: Readonly<JsonObject>;
  readonly payload: JsonObject;
  /** `<header>.<payload>` exactly as received: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
};

const es256SignatureBytes = 64;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const headerCache = new Map<string, Readonly<JsonObject>>();
const headerCacheEntries = 64;
const cacheableHeaderLength = 256;

export function signJws(header: JwsHeaderInput, payload: object, privateKey: KeyObject): string {
  const signingInput = `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(payload))}`;
  const signature = derToP1363(sign('sha256', Buffer.from(signingInput, 'latin1'), privateKey));
  return `${signingInput}.${signature.toString('base64url')}`;
}

export function decodeJws(compact: string, maxBytes: number): DecodedJws {
  if (compact.length > maxBytes) {
    throw credentialError('invalid_argument', credentialReasons.JWS_TOO_LARGE, `JWS is longer than ${maxBytes} bytes`);
  }
  const firstDot = compact.indexOf('.');
  const secondDot = firstDot < 0 ? -1 : compact.indexOf('.', firstDot + 1);
  if (secondDot < 0 || compact.includes('.', secondDot + 1)) throw malformed('JWS must have exactly 3 parts');
  const header = decodeHeader(compact.slice(0, firstDot));
  const payload = decodeJsonPart(compact.slice(firstDot + 1, secondDot), 'payload');
  const signature = decodeBase64Url(compact.slice(secondDot + 1));
  if (signature?.length !== es256SignatureBytes) throw malformed('JWS signature is not a 64-byte ES256 signature');
  return { header, payload, signingInput: compact.slice(0, secondDot), signature };
}

export function verifyJwsSignature(decoded: DecodedJws, publicKey: KeyObject): boolean {
  if (decoded.signature.length !== es256SignatureBytes) return false;
  try {
    // signingInput is base64url text, so latin1 gives its exact bytes.
    return verify('sha256', Buffer.from(decoded.signingInput, 'latin1'), publicKey, p1363ToDer(decoded.signature));
  } catch {
    return false;
  }
}

/** The header, checked: alg exactly ES256 and no crit. Accepted headers are remembered by their text. */
function decodeHeader(part: string): Readonly<JsonObject> {
  const cached = headerCache.get(part);
  if (cached !== undefined) return cached;
  const header = decodeJsonPart(part, 'header');
  if (header['alg'] !== 'ES256')
    throw credentialError('unauthenticated', credentialReasons.ALG_NOT_ALLOWED, 'only ES256 is accepted');
  if ('crit' in header)
    throw credentialError(
      'invalid_argument',
      credentialReasons.JWS_CRIT_UNSUPPORTED,
      'JWS crit header is not supported',
    );
  if (part.length <= cacheableHeaderLength) {
    if (headerCache.size >= headerCacheEntries) headerCache.clear();
    headerCache.set(part, Object.freeze(header));
  }
  return header;
}

function decodeJsonPart(part: string, name: string): JsonObject {
  const bytes = part.length === 0 ? undefined : decodeBase64Url(part);
  if (bytes === undefined) throw malformed(`JWS ${name} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    throw malformed(`JWS ${name} is not UTF-8 JSON`);
  }
  if (!isJsonObject(value)) throw malformed(`JWS ${name} is not a JSON object`);
  return value;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(message: string) {
  return credentialError('invalid_argument', credentialReasons.MALFORMED_JWS, message);
}
