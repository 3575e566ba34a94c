// Compact JWS (RFC 7515) restricted to ES256 (ECDSA P-256 + SHA-256, RFC 7518 section 3.4). Keys are KeyObjects
// parsed once by the caller; on the wire signatures are the 64-byte r||s form JWS uses (ieee-p1363), never DER.
import { sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from './base64url.ts';
import { derToP1363, p1363ToDer } from './ecdsa_der.ts';
import { credentialError } from './errors.ts';

export type JwsHeaderInput = { readonly alg: 'ES256'; readonly typ?: string; readonly kid?: string };
export type JsonObject = Record<string, unknown>;

export type DecodedJws = {
  readonly header: JsonObject;
  readonly payload: JsonObject;
  /** `<header>.<payload>` exactly as received: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
};

const es256SignatureBytes = 64;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function signJws(header: JwsHeaderInput, payload: object, privateKey: KeyObject): string {
  const signingInput = `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(payload))}`;
  const signature = derToP1363(sign('sha256', Buffer.from(signingInput), privateKey));
  return `${signingInput}.${signature.toString('base64url')}`;
}

export function decodeJws(compact: string, maxBytes: number): DecodedJws {
  if (compact.length > maxBytes) throw credentialError('invalid_argument', 'JWS_TOO_LARGE', `JWS is longer than ${maxBytes} bytes`);
  const parts = compact.split('.');
  if (parts.length !== 3) throw malformed('JWS must have exactly 3 parts');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodeJsonPart(headerPart, 'header');
  const alg = header['alg'];
  if (alg !== 'ES256') throw credentialError('unauthenticated', 'ALG_NOT_ALLOWED', 'only ES256 is accepted');
  if ('crit' in header) throw credentialError('invalid_argument', 'JWS_CRIT_UNSUPPORTED', 'JWS crit header is not supported');
  const payload = decodeJsonPart(payloadPart, 'payload');
  const signature = decodeBase64Url(signaturePart);
  if (signature?.length !== es256SignatureBytes) throw malformed('JWS signature is not a 64-byte ES256 signature');
  return { header, payload, signingInput: compact.slice(0, headerPart.length + 1 + payloadPart.length), signature };
}

export function verifyJwsSignature(decoded: DecodedJws, publicKey: KeyObject): boolean {
  if (decoded.signature.length !== es256SignatureBytes) return false;
  try {
    return verify('sha256', Buffer.from(decoded.signingInput), publicKey, p1363ToDer(decoded.signature));
  } catch {
    return false;
  }
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
  return credentialError('invalid_argument', 'MALFORMED_JWS', message);
}
