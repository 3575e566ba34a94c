// EC P-256 public keys as JWK (RFC 7517/7518): strict import, RFC 7638 thumbprints, and export of the public part.
import { createPublicKey, hash, type KeyObject } from 'node:crypto';
import { decodeBase64Url } from './base64url.ts';
import { credentialError, credentialReasons } from './errors.ts';
import { isJsonObject } from './jws.ts';

export type EcPublicJwk = { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };

const coordinateBytes = 32;
// SubjectPublicKeyInfo DER up to the uncompressed point: id-ecPublicKey, prime256v1, BIT STRING of 65 bytes.
const p256SpkiPrefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/** The phone's key from a credential's cnf.jwk. Anything but a valid public P-256 point is DEVICE_KEY_INVALID. */
export function importDevicePublicJwk(jwk: unknown): { key: KeyObject; jwk: EcPublicJwk } {
  const problem = ecPublicJwkProblem(jwk);
  if (problem !== undefined)
    throw credentialError('invalid_argument', credentialReasons.DEVICE_KEY_INVALID, `device key ${problem}`);
  const publicJwk = jwk as EcPublicJwk;
  const key = importEcPublicJwk(publicJwk);
  if (key === undefined)
    throw credentialError(
      'invalid_argument',
      credentialReasons.DEVICE_KEY_INVALID,
      'device key is not a point on P-256',
    );
  return { key, jwk: { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y } };
}

/** Why `jwk` is not an EC P-256 public JWK with canonical 32-byte coordinates, or undefined if it is one. */
export function ecPublicJwkProblem(jwk: unknown): string | undefined {
  if (!isJsonObject(jwk)) return 'is not a JSON object';
  if ('d' in jwk) return 'contains a private member';
  if (jwk['kty'] !== 'EC') return 'kty is not EC';
  if (jwk['crv'] !== 'P-256') return 'crv is not P-256';
  for (const name of ['x', 'y'] as const) {
    const coordinate = jwk[name];
    const bytes = typeof coordinate === 'string' ? decodeBase64Url(coordinate) : undefined;
    if (bytes?.length !== coordinateBytes) return `${name} is not a 32-byte base64url coordinate`;
  }
  return undefined;
}

/**
 * The KeyObject for a checked JWK, or undefined when the point is not on the curve. Imported as SPKI PEM text: a
 * string argument spares node's per-call KeyObject/CryptoKey probes (exceptions), halving the import time.
 */
export function importEcPublicJwk(jwk: EcPublicJwk): KeyObject | undefined {
  const spki = Buffer.concat([
    p256SpkiPrefix,
    Buffer.of(0x04),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ]);
  try {
    return createPublicKey(`-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`);
  } catch {
    return undefined;
  }
}

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: EcPublicJwk): string {
  return hash('sha256', JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }), 'base64url');
}

export function publicJwkOf(key: KeyObject): EcPublicJwk {
  const exported = key.export({ format: 'jwk' });
  if (exported.kty !== 'EC' || exported.crv !== 'P-256' || exported.x === undefined || exported.y === undefined) {
    throw credentialError('invalid_argument', credentialReasons.DEVICE_KEY_INVALID, 'key is not an EC P-256 key');
  }
  return { kty: 'EC', crv: 'P-256', x: exported.x, y: exported.y };
}
