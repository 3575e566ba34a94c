// The checks the verifier runs on every presentation, cached credential or not: the credential validity window, and
// the key-binding checks in their fixed order (device signature, typ values, claim types, audience, binding to this
// credential, freshness).
import type { VerifiedCredential } from './credential_cache.ts';
import { credentialTyp } from './credential.ts';
import { credentialError, credentialReasons } from './errors.ts';
import { verifyJwsSignature, type DecodedJws } from './jws.ts';
import {
  keyBindingTyp,
  maxPresentationTtlSeconds,
  parsePresentationClaims,
  type PresentationClaims,
} from './presentation.ts';

export function checkKeyBinding(
  jws: DecodedJws,
  credential: VerifiedCredential,
  expected: { readonly audience: string; readonly nowMs: number; readonly clockSkewMs: number },
): PresentationClaims {
  if (!verifyJwsSignature(jws, credential.deviceKey)) {
    throw credentialError(
      'unauthenticated',
      credentialReasons.PRESENTATION_SIGNATURE_INVALID,
      'presentation is not signed by the credential device key',
    );
  }
  if (credential.typ !== credentialTyp || jws.header['typ'] !== keyBindingTyp) {
    throw credentialError(
      'invalid_argument',
      credentialReasons.JWS_TYP_INVALID,
      `typ must be ${credentialTyp} and ${keyBindingTyp}`,
    );
  }
  const claims = parsePresentationClaims(jws.payload);
  if (claims.aud !== expected.audience) {
    throw credentialError(
      'unauthenticated',
      credentialReasons.AUDIENCE_MISMATCH,
      'presentation is meant for another audience',
    );
  }
  if (claims.sd_hash !== credential.sdHash) {
    throw credentialError(
      'unauthenticated',
      credentialReasons.SD_HASH_MISMATCH,
      'presentation is bound to another credential',
    );
  }
  if (claims.iat * 1000 > expected.nowMs + expected.clockSkewMs) {
    throw credentialError(
      'unauthenticated',
      credentialReasons.PRESENTATION_NOT_YET_VALID,
      'presentation is issued in the future',
    );
  }
  if (expected.nowMs >= claims.exp * 1000 + expected.clockSkewMs) {
    throw credentialError('unauthenticated', credentialReasons.PRESENTATION_EXPIRED, 'presentation has expired');
  }
  if (claims.exp - claims.iat > maxPresentationTtlSeconds) {
    throw credentialError(
      'unauthenticated',
      credentialReasons.PRESENTATION_TTL_TOO_LONG,
      `presentation may live at most ${maxPresentationTtlSeconds} s`,
    );
  }
  return claims;
}

/** Throws unless the credential's validity window, widened by the skew on both sides, contains nowMs. */
export function checkCredentialTimes<T extends { readonly issuedAtMs: number; readonly expiresAtMs: number }>(
  credential: T,
  nowMs: number,
  clockSkewMs: number,
): T {
  if (credential.issuedAtMs > nowMs + clockSkewMs) {
    throw credentialError(
      'unauthenticated',
      credentialReasons.CREDENTIAL_NOT_YET_VALID,
      'credential is issued in the future',
    );
  }
  if (nowMs >= credential.expiresAtMs + clockSkewMs) {
    throw credentialError('unauthenticated', credentialReasons.CREDENTIAL_EXPIRED, 'credential has expired');
  }
  return credential;
}
