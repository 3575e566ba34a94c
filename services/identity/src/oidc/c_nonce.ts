// c_nonce values for OpenID4VCI key proofs: a fresh one per Nonce Endpoint request, spent by the first
// credential request whose proof carries it.
//
// oidc-provider's own c_nonce is an HMAC of the current minute, so every caller gets the same value for a minute
// and it stays valid for about five: OpenID4VCI 1.0 (section 7.2) leaves to the issuer when to hand out a new
// value, and oidc-provider chose not to. We want each nonce to prove that its proof was made for this one request:
// a nonce is 16 random bytes, its expiry and an HMAC over both (so it is checked without a lookup, as
// oidc-provider checks its own), and the credential endpoint spends it once (`spendCNonce`).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type Provider from 'oidc-provider';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';

export const cNonceTtlS = 300;
const randomLength = 16;
const expiryLength = 4;
const macLength = 16;

export interface CNonces {
  nextChallenge(): string;
  checkChallenge(nonce: string): boolean;
}

export function uniqueCNonces(secret: Buffer, nowMs: () => number): CNonces {
  const mac = (body: Buffer): Buffer =>
    createHmac('sha256', secret).update('c_nonce').update(body).digest().subarray(0, macLength);
  return {
    nextChallenge() {
      const body = Buffer.alloc(randomLength + expiryLength);
      randomBytes(randomLength).copy(body);
      body.writeUInt32BE(Math.floor(nowMs() / 1000) + cNonceTtlS, randomLength);
      return Buffer.concat([body, mac(body)]).toString('base64url');
    },
    checkChallenge(nonce) {
      const bytes = Buffer.from(nonce, 'base64url');
      if (bytes.length !== randomLength + expiryLength + macLength || bytes.toString('base64url') !== nonce)
        return false;
      const body = bytes.subarray(0, randomLength + expiryLength);
      return timingSafeEqual(mac(body), bytes.subarray(body.length)) && expiresAtS(nonce) > nowMs() / 1000;
    },
  };
}

/** The expiry (epoch seconds) written into a nonce that `checkChallenge` accepted. */
export function expiresAtS(nonce: string): number {
  return Buffer.from(nonce, 'base64url').readUInt32BE(randomLength);
}

/**
 * Makes the provider's Nonce Endpoint and credential endpoint use `nonces`. oidc-provider has no option for this:
 * it keeps its c_nonce generator in its internal instance state, so this replaces it there (oidc-provider is pinned
 * to an exact version; openid_metadata_and_credential_errors.test.ts fails if this stops taking effect).
 */
export function installCNonces(provider: Provider, nonces: CNonces): void {
  const internals = instance(provider);
  if (internals.CNonceChallenges === undefined)
    throw new Error('openid4vci is not enabled: no c_nonce generator to replace');
  internals.CNonceChallenges = nonces;
}
