// Checks a DPoP-bound access token at identity's own resource endpoints (RFC 9449): the proof is an ES256 JWS
// by the key the token is bound to, for this method and URL, fresh, used once, and hashed to this token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type Provider from 'oidc-provider';
import { decodeJws, importDevicePublicJwk, jwkThumbprint, verifyJwsSignature } from '@citypass/credential';
import { unauthenticated } from '@citypass/platform/errors';
import { identityReasons } from '@citypass/contracts';

const maxProofBytes = 4096;
const maxAgeS = 60;
const maxFutureS = 5;

export interface ResidentToken {
  readonly accountId: string;
  readonly scopes: ReadonlySet<string>;
}

export async function verifyDpopBoundToken(
  provider: Provider,
  request: IncomingMessage,
  url: string,
  expectedAudience: string,
  nowMs: number,
): Promise<ResidentToken> {
  const authorization = request.headers.authorization ?? '';
  const proof = request.headers.dpop;
  if (!authorization.startsWith('DPoP ') || typeof proof !== 'string') {
    throw unauthenticated(identityReasons.DPOP_REQUIRED, 'a DPoP-bound access token and a DPoP proof are required');
  }
  const token = authorization.slice(5).trim();
  const thumbprint = await verifyProof(provider, proof, request.method ?? '', url, token, nowMs);
  const accessToken = await provider.AccessToken.find(token);
  if (accessToken?.accountId === undefined || accessToken.aud !== expectedAudience) {
    throw unauthenticated(
      identityReasons.TOKEN_INVALID,
      'the access token is unknown, expired or not for this endpoint',
    );
  }
  if (accessToken.jkt !== thumbprint)
    throw unauthenticated(identityReasons.DPOP_KEY_MISMATCH, 'the DPoP proof is not by the key this token is bound to');
  return { accountId: accessToken.accountId, scopes: new Set(accessToken.scope?.split(' ') ?? []) };
}

async function verifyProof(
  provider: Provider,
  proof: string,
  method: string,
  url: string,
  token: string,
  nowMs: number,
): Promise<string> {
  let decoded;
  let jwk;
  try {
    decoded = decodeJws(proof, maxProofBytes);
    jwk = importDevicePublicJwk(decoded.header.jwk);
  } catch {
    throw unauthenticated(
      identityReasons.DPOP_PROOF_INVALID,
      'the DPoP proof is not an ES256 JWS with a public P-256 jwk',
    );
  }
  const { htm, htu, iat, jti, ath } = decoded.payload;
  const expectedAth = createHash('sha256').update(token).digest('base64url');
  const ok =
    decoded.header.typ === 'dpop+jwt' &&
    verifyJwsSignature(decoded, jwk.key) &&
    htm === method &&
    htu === url &&
    typeof jti === 'string' &&
    jti.length > 0 &&
    jti.length <= 128 &&
    typeof ath === 'string' &&
    ath.length === expectedAth.length &&
    timingSafeEqual(Buffer.from(ath), Buffer.from(expectedAth));
  if (!ok)
    throw unauthenticated(identityReasons.DPOP_PROOF_INVALID, 'the DPoP proof does not match this request or token');
  if (typeof iat !== 'number' || iat < nowMs / 1000 - maxAgeS || iat > nowMs / 1000 + maxFutureS) {
    throw unauthenticated(identityReasons.DPOP_PROOF_STALE, 'the DPoP proof is too old or from the future');
  }
  const thumbprint = jwkThumbprint(jwk.jwk);
  if (!(await provider.ReplayDetection.unique(`dpop:${thumbprint}`, jti, iat + 2 * maxAgeS))) {
    throw unauthenticated(identityReasons.DPOP_PROOF_REPLAYED, 'the DPoP proof was already used');
  }
  return thumbprint;
}
