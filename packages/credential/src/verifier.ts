// Verifies a resident's presentation `<credential>~<kb-jwt>` completely offline: the issuer signed the credential,
// the phone holding the credential's key signed this presentation for this audience just now, and it has not been
// revoked or seen before. Checks run in a fixed order so the reason reported for a bad input is stable.
import { CredentialCache, type VerifiedCredential } from './credential_cache.ts';
import { credentialVct, parseCredentialClaims, type Concession } from './credential.ts';
import { credentialError, credentialReasons } from './errors.ts';
import type { IssuerKeys } from './issuer_keys.ts';
import { importDevicePublicJwk, jwkThumbprint } from './jwk.ts';
import { decodeJws, verifyJwsSignature, type DecodedJws } from './jws.ts';
import { checkCredentialTimes, checkKeyBinding } from './verification_checks.ts';
import { sdHashOf, splitPresentation, type AmountCap, type PresentationClaims } from './presentation.ts';
import type { ReplayCache } from './replay_cache.ts';
import type { RevocationList } from './revocations.ts';

/** How long a presentation (`<credential>~<kb-jwt>`, ASCII) may be unless a verifier is configured otherwise. */
export const defaultMaxPresentationBytes = 4_096;
/**
 * The outer bound a service declares for a presentation field at its edge: a longer one is refused before anything
 * reads it (FIELD_TOO_LONG). Between the verifier's limit and this one the verifier refuses it with its own reason,
 * PRESENTATION_TOO_LARGE, which a gate answers as DENY.
 */
export const presentationFieldLimit = 16_384;

export type PresentationVerifierOptions = {
  /** Expected `iss` of every credential. */
  readonly issuer: string;
  readonly issuerKeys: IssuerKeys;
  readonly revocations: RevocationList;
  /**
   * Remembers presentations so none is accepted twice. Leave it out only where the caller enforces single use
   * itself (the wallet's database refuses a second hold for one presentation nonce).
   */
  readonly replayCache: ReplayCache | undefined;
  readonly clockSkewMs?: number;
  readonly maxPresentationBytes?: number;
  /** Verified credentials kept to skip their issuer signature check; 0 turns the cache off. */
  readonly credentialCacheSize?: number;
  readonly now?: () => number;
};

export type VerifyPresentationOptions = {
  readonly audience: string;
  readonly nowMs?: number;
  /**
   * Judge revocation as of this time: a revocation made later does not count. Only for settling what already
   * happened (the wallet charging a tap as of the tap); a live decision leaves it out, so any revocation counts,
   * whatever the verifier's clock says.
   */
  readonly revocationAsOfMs?: number;
};

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
  /** When identity issued the credential, binding the device key (`iat`). */
  readonly credentialIssuedAtMs: number;
};

export class PresentationVerifier {
  readonly #issuer: string;
  readonly #issuerKeys: IssuerKeys;
  readonly #revocations: RevocationList;
  readonly #replayCache: ReplayCache | undefined;
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
    this.#maxPresentationBytes = options.maxPresentationBytes ?? defaultMaxPresentationBytes;
    this.#credentials = new CredentialCache(options.credentialCacheSize ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  async verify(wire: string, options: VerifyPresentationOptions): Promise<VerifiedPresentation> {
    const nowMs = options.nowMs ?? this.#now();
    const maxBytes = this.#maxPresentationBytes;
    if (typeof wire !== 'string')
      throw credentialError('invalid_argument', credentialReasons.MALFORMED_PRESENTATION, 'presentation must be text');
    if (wire.length > maxBytes) {
      throw credentialError(
        'invalid_argument',
        credentialReasons.PRESENTATION_TOO_LARGE,
        `presentation is longer than ${maxBytes} bytes`,
      );
    }
    const { credential, keyBinding } = splitPresentation(wire);
    const cachedOrDecoded = this.#cachedCredential(credential, nowMs) ?? decodeJws(credential, maxBytes);
    const keyBindingJws = decodeJws(keyBinding, maxBytes);
    const verified =
      'signingInput' in cachedOrDecoded
        ? await this.#verifyCredential(credential, cachedOrDecoded, nowMs)
        : checkCredentialTimes(cachedOrDecoded, nowMs, this.#clockSkewMs);
    const claims = checkKeyBinding(keyBindingJws, verified, {
      audience: options.audience,
      nowMs,
      clockSkewMs: this.#clockSkewMs,
    });
    if (this.#revocations.isRevoked(verified.claims.jti, options.revocationAsOfMs)) {
      throw credentialError('permission_denied', credentialReasons.CREDENTIAL_REVOKED, 'credential has been revoked');
    }
    const expiresAtMs = claims.exp * 1000;
    const accepted = { nonce: claims.nonce, expiresAtMs, counterKey: verified.deviceThumbprint, counter: claims.ctr };
    this.#replayCache?.checkAndRecord(accepted, nowMs);
    return presentationResult(verified, claims, expiresAtMs);
  }

  /**
   * Forgets a verified presentation in the replay cache because its use was not recorded (a failed write, a tap
   * refused after verification): the resident may present it again. Only what this verifier accepted is released.
   */
  release(verified: VerifiedPresentation): void {
    this.#replayCache?.release({
      nonce: verified.presentationId,
      expiresAtMs: verified.expiresAtMs,
      counterKey: verified.deviceThumbprint,
      counter: verified.counter,
    });
  }

  /** A cached, unexpired credential whose issuer key is still the published one. */
  #cachedCredential(credential: string, nowMs: number): VerifiedCredential | undefined {
    const cached = this.#credentials.get(credential, nowMs - this.#clockSkewMs);
    return cached !== undefined && this.#issuerKeys.get(cached.kid) === cached.issuerKey ? cached : undefined;
  }

  async #verifyCredential(compact: string, decoded: DecodedJws, nowMs: number): Promise<VerifiedCredential> {
    const kid = decoded.header['kid'];
    if (typeof kid !== 'string')
      throw credentialError('invalid_argument', credentialReasons.MALFORMED_JWS, 'credential header has no kid');
    const issuerKey = await this.#issuerKeys.resolve(kid);
    if (!verifyJwsSignature(decoded, issuerKey)) {
      throw credentialError(
        'unauthenticated',
        credentialReasons.CREDENTIAL_SIGNATURE_INVALID,
        'credential signature is not valid',
      );
    }
    const claims = parseCredentialClaims(decoded.payload);
    if (claims.iss !== this.#issuer) {
      throw credentialError('unauthenticated', credentialReasons.ISSUER_MISMATCH, 'credential is from another issuer');
    }
    if (claims.vct !== credentialVct) {
      throw credentialError(
        'unauthenticated',
        credentialReasons.CREDENTIAL_TYPE_UNSUPPORTED,
        'credential type is not supported',
      );
    }
    const times = { issuedAtMs: claims.iat * 1000, expiresAtMs: claims.exp * 1000 };
    checkCredentialTimes(times, nowMs, this.#clockSkewMs);
    const device = importDevicePublicJwk(claims.cnf.jwk);
    const verified: VerifiedCredential = {
      ...times,
      claims,
      typ: decoded.header['typ'],
      kid,
      issuerKey,
      deviceKey: device.key,
      deviceThumbprint: jwkThumbprint(device.jwk),
      sdHash: sdHashOf(`${compact}~`),
    };
    this.#credentials.set(compact, verified);
    return verified;
  }
}

function presentationResult(
  credential: VerifiedCredential,
  claims: PresentationClaims,
  expiresAtMs: number,
): VerifiedPresentation {
  const { jti, sub, concession, plan } = credential.claims;
  const result: Writable<VerifiedPresentation> = {
    credentialId: jti,
    subject: sub,
    concession,
    deviceThumbprint: credential.deviceThumbprint,
    presentationId: claims.nonce,
    counter: claims.ctr,
    audience: claims.aud,
    issuedAtMs: claims.iat * 1000,
    expiresAtMs,
    credentialExpiresAtMs: credential.expiresAtMs,
    credentialIssuedAtMs: credential.issuedAtMs,
  };
  if (plan !== undefined) result.plan = plan;
  if (claims.cap !== undefined) result.amountCap = claims.cap;
  return result;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };
