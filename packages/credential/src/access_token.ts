// The JWT access tokens (RFC 9068) identity issues to city services and operators, checked at every service's gRPC
// and NATS edge: ES256 under a key of the issuer's JWKS, typ at+jwt, this issuer, this resource, unexpired. Tokens
// that passed are remembered by their exact text until they expire, so a caller reusing its token costs one ECDSA
// verify, not one per call. Every rejection is `unauthenticated` and never quotes the token.
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { isDepartment, operatorClaimNames } from '@citypass/contracts';
import { DomainError } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';
import { credentialReasons } from './errors.ts';
import type { IssuerKeys } from './issuer_keys.ts';
import { decodeJws, verifyJwsSignature, type DecodedJws, type JsonObject } from './jws.ts';

export type AccessTokenErrorReason = typeof credentialReasons.TOKEN_INVALID | typeof credentialReasons.TOKEN_EXPIRED;

export type AccessTokenVerifierOptions = {
  readonly issuer: string;
  /** The resource this service is, e.g. `urn:citypass:wallet`: tokens must name it in aud. */
  readonly audience: string;
  readonly issuerKeys: IssuerKeys;
  readonly clockSkewMs?: number;
  readonly maxTokenBytes?: number;
  /** Verified tokens remembered; 0 turns the cache off. */
  readonly cacheSize?: number;
  readonly now?: () => number;
};

type VerifiedToken = {
  readonly principal: Principal;
  readonly kid: string;
  /** The key it verified under: a cached token whose key left the issuer's set is verified again. */
  readonly key: KeyObject;
  /** exp plus the skew: from this instant on the token is TOKEN_EXPIRED. */
  readonly rejectedFromMs: number;
};

type ExpectedClaims = {
  readonly issuer: string;
  readonly audience: string;
  readonly nowMs: number;
  readonly clockSkewMs: number;
};

export class AccessTokenVerifier {
  readonly #issuer: string;
  readonly #audience: string;
  readonly #issuerKeys: IssuerKeys;
  readonly #clockSkewMs: number;
  readonly #maxTokenBytes: number;
  readonly #now: () => number;
  readonly #cache: VerifiedTokens;

  constructor(options: AccessTokenVerifierOptions) {
    const { clockSkewMs = 5_000, maxTokenBytes = 8_192, cacheSize = 10_000 } = options;
    assert.ok(options.issuer !== '' && options.audience !== '', 'issuer and audience must be set');
    assert.ok(Number.isSafeInteger(clockSkewMs) && clockSkewMs >= 0, 'clockSkewMs must be a non-negative integer');
    assert.ok(Number.isSafeInteger(maxTokenBytes) && maxTokenBytes > 0, 'maxTokenBytes must be a positive integer');
    assert.ok(Number.isSafeInteger(cacheSize) && cacheSize >= 0, 'cacheSize must be a non-negative integer');
    this.#issuer = options.issuer;
    this.#audience = options.audience;
    this.#issuerKeys = options.issuerKeys;
    this.#clockSkewMs = clockSkewMs;
    this.#maxTokenBytes = maxTokenBytes;
    this.#now = options.now ?? Date.now;
    this.#cache = new VerifiedTokens(cacheSize);
  }

  /** The caller the token names, or an `unauthenticated` DomainError (TOKEN_INVALID or TOKEN_EXPIRED). */
  async verify(token: string): Promise<Principal> {
    if (token.length > this.#maxTokenBytes) throw tokenInvalid('the access token is too large');
    const cached = this.#cache.get(token);
    if (cached !== undefined) {
      if (this.#now() >= cached.rejectedFromMs) {
        this.#cache.delete(token);
        throw tokenRejected(credentialReasons.TOKEN_EXPIRED, 'the access token has expired');
      }
      if (this.#issuerKeys.get(cached.kid) === cached.key) return cached.principal;
      this.#cache.delete(token);
    }
    const verified = await this.#verifyUncached(token);
    this.#cache.set(token, verified, this.#now());
    return verified.principal;
  }

  async #verifyUncached(token: string): Promise<VerifiedToken> {
    const jws = decodeToken(token, this.#maxTokenBytes);
    const { typ, kid } = jws.header;
    if (typeof typ !== 'string' || !accessTokenTyps.has(typ.toLowerCase())) {
      throw tokenInvalid('the access token typ is not at+jwt');
    }
    if (typeof kid !== 'string' || kid === '') throw tokenInvalid('the access token names no signing key');
    // Known kids are checked without yielding, so a burst of calls with one new token verifies it once.
    const key = this.#issuerKeys.get(kid) ?? (await this.#resolve(kid));
    if (!verifyJwsSignature(jws, key)) throw tokenInvalid('the access token signature does not verify');
    const expected = {
      issuer: this.#issuer,
      audience: this.#audience,
      nowMs: this.#now(),
      clockSkewMs: this.#clockSkewMs,
    };
    const { principal, expiresAtMs } = checkClaims(jws.payload, expected);
    return { principal, kid, key, rejectedFromMs: expiresAtMs + this.#clockSkewMs };
  }

  /** An unknown kid may be a rotated key: IssuerKeys refetches the JWKS (throttled) before giving up. */
  async #resolve(kid: string): Promise<KeyObject> {
    try {
      return await this.#issuerKeys.resolve(kid);
    } catch (cause) {
      throw tokenRejected(credentialReasons.TOKEN_INVALID, 'the access token is signed by an unknown key', cause);
    }
  }
}

const accessTokenTyps = new Set(['at+jwt', 'application/at+jwt']);

function decodeToken(token: string, maxTokenBytes: number): DecodedJws {
  try {
    return decodeJws(token, maxTokenBytes);
  } catch (cause) {
    // Malformed, too large, alg other than ES256 (none, HS256, ...) or crit: all one answer to the caller.
    throw tokenRejected(credentialReasons.TOKEN_INVALID, 'the access token is not a valid ES256 JWT', cause);
  }
}

function checkClaims(payload: JsonObject, expected: ExpectedClaims): { principal: Principal; expiresAtMs: number } {
  const { iss, aud, exp, iat, nbf, client_id: clientId, sub, scope } = payload;
  if (iss !== expected.issuer) throw tokenInvalid('the access token is from another issuer');
  if (aud !== expected.audience && !(Array.isArray(aud) && aud.includes(expected.audience))) {
    throw tokenInvalid('the access token is for another audience');
  }
  if (typeof clientId !== 'string' || clientId === '') throw tokenInvalid('the access token names no client');
  if ((sub !== undefined && typeof sub !== 'string') || (scope !== undefined && typeof scope !== 'string')) {
    throw tokenInvalid('the access token sub or scope is not a string');
  }
  if (!isSeconds(exp) || !isSeconds(iat) || (nbf !== undefined && !isSeconds(nbf))) {
    throw tokenInvalid('the access token exp, iat or nbf is not a NumericDate');
  }
  if (Math.max(iat, nbf ?? iat) * 1000 > expected.nowMs + expected.clockSkewMs) {
    throw tokenInvalid('the access token is not valid yet');
  }
  if (expected.nowMs >= exp * 1000 + expected.clockSkewMs)
    throw tokenRejected(credentialReasons.TOKEN_EXPIRED, 'the access token has expired');
  const scopes = new Set(typeof scope === 'string' ? scope.split(' ').filter((name) => name !== '') : []);
  const operator = operatorClaimsOf(payload);
  const principal: Principal = Object.freeze({
    clientId,
    subject: typeof sub === 'string' ? sub : clientId,
    scopes,
    ...(operator === undefined ? {} : { operator }),
  });
  return { principal, expiresAtMs: exp * 1000 };
}

/** A signed-in operator's roles and scope (operator_scope.ts in contracts), or undefined when there are no roles. */
function operatorClaimsOf(payload: JsonObject): Principal['operator'] {
  const roles = payload[operatorClaimNames.roles];
  const merchant = payload[operatorClaimNames.merchant] ?? '';
  const department = payload[operatorClaimNames.department] ?? '';
  if (roles === undefined) return undefined;
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string'))
    throw tokenInvalid('the access token roles are not a list of strings');
  if (
    typeof merchant !== 'string' ||
    typeof department !== 'string' ||
    !(department === '' || isDepartment(department))
  )
    throw tokenInvalid('the access token merchant or department is not one identity gives out');
  return Object.freeze({ roles: Object.freeze([...roles]), merchant, department });
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function tokenInvalid(message: string): DomainError {
  return tokenRejected(credentialReasons.TOKEN_INVALID, message);
}

function tokenRejected(reason: AccessTokenErrorReason, message: string, cause?: unknown): DomainError {
  return new DomainError('unauthenticated', reason, message, cause === undefined ? undefined : { cause });
}

/**
 * Verified tokens by their exact text, at most maxEntries. When full, every expired entry goes, then the oldest until a
 * tenth of the room is free: one scan pays for the next maxEntries / 10 insertions, so a full cache under a stream of
 * new tokens still costs O(1) per token.
 */
class VerifiedTokens {
  readonly #maxEntries: number;
  readonly #keptWhenFull: number;
  readonly #entries = new Map<string, VerifiedToken>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
    this.#keptWhenFull = maxEntries - Math.ceil(maxEntries / 10);
  }

  get(token: string): VerifiedToken | undefined {
    return this.#entries.get(token);
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }

  set(token: string, verified: VerifiedToken, nowMs: number): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.#maxEntries) this.#makeRoom(nowMs);
    this.#entries.set(token, verified);
  }

  #makeRoom(nowMs: number): void {
    for (const [token, entry] of this.#entries) {
      if (entry.rejectedFromMs <= nowMs) this.#entries.delete(token);
    }
    for (const token of this.#entries.keys()) {
      if (this.#entries.size <= this.#keptWhenFull) return;
      this.#entries.delete(token);
    }
  }
}
