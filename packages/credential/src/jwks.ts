// Reading an issuer JWKS (RFC 7517 section 5): only keys that can verify ES256 are kept, each parsed once.
import type { KeyObject } from 'node:crypto';
import { credentialError, credentialReasons } from './errors.ts';
import { ecPublicJwkProblem, importEcPublicJwk, type EcPublicJwk } from './jwk.ts';
import { isJsonObject } from './jws.ts';

export type IssuerKey = { readonly kid: string; readonly key: KeyObject; readonly jwk: EcPublicJwk };
export type PublishedJwk = EcPublicJwk & { readonly kid: string; readonly use: 'sig'; readonly alg: 'ES256' };
export type Jwks = { readonly keys: readonly PublishedJwk[] };

const maxKidLength = 128;

/**
 * The ES256 signing keys of a JWKS by kid. Keys of other types, curves, uses or algorithms, keys without a kid and
 * points off the curve are skipped (a JWKS may legitimately carry keys for other purposes); the first of a
 * duplicated kid wins. A value that is not a JWKS at all is JWKS_INVALID.
 */
export function issuerKeysOfJwks(jwks: unknown): Map<string, IssuerKey> {
  if (!isJsonObject(jwks) || !Array.isArray(jwks['keys'])) {
    throw credentialError(
      'invalid_argument',
      credentialReasons.JWKS_INVALID,
      'JWKS must be an object with a keys array',
    );
  }
  const keys = new Map<string, IssuerKey>();
  for (const candidate of jwks['keys'] as unknown[]) {
    const issuerKey = issuerKeyOf(candidate);
    if (issuerKey !== undefined && !keys.has(issuerKey.kid)) keys.set(issuerKey.kid, issuerKey);
  }
  return keys;
}

function issuerKeyOf(candidate: unknown): IssuerKey | undefined {
  if (!isJsonObject(candidate) || ecPublicJwkProblem(candidate) !== undefined) return undefined;
  const { kid, use, alg } = candidate;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > maxKidLength) return undefined;
  if ((use !== undefined && use !== 'sig') || (alg !== undefined && alg !== 'ES256')) return undefined;
  const jwk = candidate as EcPublicJwk;
  const publicJwk: EcPublicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  const key = importEcPublicJwk(publicJwk);
  return key === undefined ? undefined : { kid, key, jwk: publicJwk };
}

export function jwksOf(keys: Iterable<IssuerKey>): Jwks {
  return { keys: Array.from(keys, ({ kid, jwk }) => ({ ...jwk, kid, use: 'sig', alg: 'ES256' })) };
}
