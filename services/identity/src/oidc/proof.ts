// Extra checks on the OpenID4VCI key proof that oidc-provider leaves to the deployment: one proof only, a fresh
// issued-at (no proofs from the future or the past), and a replay key. The key is the hash of the signed part
// (header.payload), not the signature: an ECDSA signature is malleable ((r, s) and (r, n - s) both verify), so a
// replayed proof with a rewritten signature must still count as the same proof.
import { createHash } from 'node:crypto';
import { errors } from 'oidc-provider';
import { decodeJws, isCanonicalBase64Url } from '@citypass/credential';

const maxProofAgeS = 60;
const maxProofBytes = 4096;

export interface DecodedProof {
  readonly jwk: unknown;
  readonly iatS: number;
  /** The c_nonce the proof signs (oidc-provider has checked it is one of ours before issueCredential runs). */
  readonly nonce: string;
  /** sha256 of the JWS signing input, base64url. */
  readonly replayKey: string;
}

export function decodeProof(jwtProofs: readonly unknown[] | undefined): DecodedProof {
  const proof = jwtProofs?.[0];
  if (jwtProofs?.length !== 1 || typeof proof !== 'string')
    throw new errors.InvalidProof('exactly one jwt proof is required');
  let decoded;
  try {
    decoded = decodeJws(proof, maxProofBytes);
  } catch {
    throw new errors.InvalidProof('jwt proof must be an ES256 compact JWS');
  }
  const { iat, nonce } = decoded.payload;
  const signature = proof.slice(proof.lastIndexOf('.') + 1);
  if (typeof iat !== 'number' || !Number.isInteger(iat) || !isCanonicalBase64Url(signature)) {
    throw new errors.InvalidProof('jwt proof needs an integer iat');
  }
  if (typeof nonce !== 'string') throw new errors.InvalidProof('jwt proof needs a nonce');
  const signingInput = proof.slice(0, proof.lastIndexOf('.'));
  return {
    jwk: decoded.header.jwk,
    iatS: iat,
    nonce,
    replayKey: createHash('sha256').update(signingInput).digest('base64url'),
  };
}

export function checkProofFreshness(proof: DecodedProof, nowMs: number): void {
  const ageS = nowMs / 1000 - proof.iatS;
  if (ageS > maxProofAgeS) throw new errors.InvalidProof('jwt proof is too old');
  if (ageS < -5) throw new errors.InvalidProof('jwt proof is issued in the future');
}
