// Verifies a resident's presentation `<credential>~<kb-jwt>` completely offline: the issuer signed the credential,
// the phone holding the credential's key signed this presentation for this audience just now, and it has not been
// revoked or seen before. Checks run in a fixed order so the reason reported for a bad input is stable.
import { CredentialCache, type VerifiedCredential } from './credential_cache.ts';
import { credentialTyp, credentialVct, parseCredentialClaims, type Concession } from './credential.ts';
import { credentialError } from './errors.ts';
import type { IssuerKeys } from './issuer_keys.ts';
import { importDevicePublicJwk, jwkThumbprint } from './jwk.ts';
import { decodeJws, verifyJwsSignature, type DecodedJws } from './jws.ts';
import { keyBindingTyp, maxPresentationTtlSeconds, parsePresentationClaims, sdHashOf, splitPresentation, type AmountCap, type PresentationClaims } from './presentation.ts';
import type { ReplayCache } from './replay_cache.ts';
import type { RevocationList } from './revocations.ts';

export type PresentationVerifierOptions = {
  /** Expected `iss` of every credential. */
  readonly issuer: string;
  readonly issuerKeys: IssuerKeys;
  readonly revocations: RevocationList;
  readonly replayCache: ReplayCache;
  readonly clockSkewMs?: number;
  readonly maxPresentationBytes?: number;
  /** Verified credentials kept to skip their issuer signature check; 0 turns the cache off. */
  readonly credentialCacheSize?: number;
  readonly now?: () => number;
};

export type VerifyPresentationOptions = { readonly audience: string; readonly nowMs?: number };

export type VerifiedPresentation = {
  readonly credentialId: string;
  readonly subject: string;
  readonly concession: Concession;
  readonly plan?: string;
  readonly deviceThumbprint: string;
  readonly presentationId: string;
  readonly counter: number;
  readonly audience: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  readonly amountCap?: AmountCap;
  readonly credentialExpiresAtMs: number;
};

export class PresentationVerifier {
  readonly #issuer: string;
  readonly #issuerKeys: IssuerKeys;
  readonly #revocations: RevocationList;
  readonly #replayCache: ReplayCache;
  readonly #clockSkewMs: number;
  readonly #maxPresentationBytes: number;
  readonly #credentials: CredentialCache;
  readonly #now: () => number;

  constructor(options: PresentationVerifierOptions) {
    this.#issuer = options.issuer;
    this.#issuerKeys = options.issuerKeys;
    this.#revocations = options.revocations;
    this.#replayCache = options.replayCache;
    this.#clockSkewMs = options.clockSkewMs ?? 5_000;
    this.#maxPresentationBytes = options.maxPresentationBytes ?? 4_096;
    this.#credentials = new CredentialCache(options.credentialCacheSize ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  async verify(wire: string, options: VerifyPresentationOptions): Promise<VerifiedPresentation> {
    const nowMs = options.nowMs ?? this.#now();
    if (typeof wire !== 'string') throw credentialError('invalid_argument', 'MALFORMED_PRESENTATION', 'presentation must be text');
    if (wire.length > this.#maxPresentationBytes) {
      throw credentialError('invalid_argument', 'PRESENTATION_TOO_LARGE', `presentation is longer than ${this.#maxPresentationBytes} bytes`);
    }
    const { credential, keyBinding } = splitPresentation(wire);
    const credentialOrCached = this.#cachedCredential(credential, nowMs) ?? decodeJws(credential, this.#maxPresentationBytes);
    const keyBindingJws = decodeJws(keyBinding, this.#maxPresentationBytes);
    const verified = 'signingInput' in credentialOrCached
      ? await this.#verifyCredential(credential, credentialOrCached, nowMs)
      : this.#checkCredentialTimes(credentialOrCached, nowMs);
    const claims = this.#checkKeyBinding(keyBindingJws, verified, options.audience, nowMs);
    if (this.#revocations.isRevoked(verified.claims.jti)) {
      throw credentialError('permission_denied', 'CREDENTIAL_REVOKED', 'credential has been revoked');
    }
    const expiresAtMs = claims.exp * 1000;
    this.#replayCache.checkAndRecord({ nonce: claims.nonce, expiresAtMs, counterKey: verified.deviceThumbprint, counter: claims.ctr }, nowMs);
    return presentationResult(verified, claims, expiresAtMs);
  }

  /** A cached, unexpired credential whose issuer key is still the published one. */
  #cachedCredential(credential: string, nowMs: number): VerifiedCredential | undefined {
    const cached = this.#credentials.get(credential, nowMs - this.#clockSkewMs);
    return cached !== undefined && this.#issuerKeys.get(cached.kid) === cached.issuerKey ? cached : undefined;
  }

  async #verifyCredential(compact: string, decoded: DecodedJws, nowMs: number): Promise<VerifiedCredential> {
    const kid = decoded.header['kid'];
    if (typeof kid !== 'string') throw credentialError('invalid_argument', 'MALFORMED_JWS', 'credential header has no kid');
    const issuerKey = await this.#issuerKeys.resolve(kid);
    if (!verifyJwsSignature(decoded, issuerKey)) {
      throw credentialError('unauthenticated', 'CREDENTIAL_SIGNATURE_INVALID', 'credential signature is not valid');
    }
    const claims = parseCredentialClaims(decoded.payload);
    if (claims.iss !== this.#issuer) throw credentialError('unauthenticated', 'ISSUER_MISMATCH', 'credential is from another issuer');
    if (claims.vct !== credentialVct) throw credentialError('unauthenticated', 'CREDENTIAL_TYPE_UNSUPPORTED', 'credential type is not supported');
    const times = this.#checkCredentialTimes({ issuedAtMs: claims.iat * 1000, expiresAtMs: claims.exp * 1000 }, nowMs);
    const device = importDevicePublicJwk(claims.cnf.jwk);
    const verified = {
      ...times, claims, typ: decoded.header['typ'], kid, issuerKey, deviceKey: device.key, deviceThumbprint: jwkThumbprint(device.jwk),
      sdHash: sdHashOf(`${compact}~`),
    };
    this.#credentials.set(compact, verified);
    return verified;
  }

  #checkCredentialTimes<T extends { issuedAtMs: number; expiresAtMs: number }>(credential: T, nowMs: number): T {
    if (credential.issuedAtMs > nowMs + this.#clockSkewMs) {
      throw credentialError('unauthenticated', 'CREDENTIAL_NOT_YET_VALID', 'credential is issued in the future');
    }
    if (nowMs >= credential.expiresAtMs + this.#clockSkewMs) throw credentialError('unauthenticated', 'CREDENTIAL_EXPIRED', 'credential has expired');
    return credential;
  }

  #checkKeyBinding(jws: DecodedJws, credential: VerifiedCredential, audience: string, nowMs: number): PresentationClaims {
    if (!verifyJwsSignature(jws, credential.deviceKey)) {
      throw credentialError('unauthenticated', 'PRESENTATION_SIGNATURE_INVALID', 'presentation is not signed by the credential device key');
    }
    if (credential.typ !== credentialTyp || jws.header['typ'] !== keyBindingTyp) {
      throw credentialError('invalid_argument', 'JWS_TYP_INVALID', `typ must be ${credentialTyp} and ${keyBindingTyp}`);
    }
    const claims = parsePresentationClaims(jws.payload);
    if (claims.aud !== audience) throw credentialError('unauthenticated', 'AUDIENCE_MISMATCH', 'presentation is meant for another audience');
    if (claims.sd_hash !== credential.sdHash) {
      throw credentialError('unauthenticated', 'SD_HASH_MISMATCH', 'presentation is bound to another credential');
    }
    if (claims.iat * 1000 > nowMs + this.#clockSkewMs) throw credentialError('unauthenticated', 'PRESENTATION_NOT_YET_VALID', 'presentation is issued in the future');
    if (nowMs >= claims.exp * 1000 + this.#clockSkewMs) throw credentialError('unauthenticated', 'PRESENTATION_EXPIRED', 'presentation has expired');
    if (claims.exp - claims.iat > maxPresentationTtlSeconds) {
      throw credentialError('unauthenticated', 'PRESENTATION_TTL_TOO_LONG', `presentation may live at most ${maxPresentationTtlSeconds} s`);
    }
    return claims;
  }
}

function presentationResult(credential: VerifiedCredential, claims: PresentationClaims, expiresAtMs: number): VerifiedPresentation {
  const { jti, sub, concession, plan } = credential.claims;
  return {
    credentialId: jti, subject: sub, concession, ...(plan === undefined ? {} : { plan }),
    deviceThumbprint: credential.deviceThumbprint, presentationId: claims.nonce, counter: claims.ctr, audience: claims.aud,
    issuedAtMs: claims.iat * 1000, expiresAtMs, ...(claims.cap === undefined ? {} : { amountCap: claims.cap }),
    credentialExpiresAtMs: credential.expiresAtMs,
  };
}
