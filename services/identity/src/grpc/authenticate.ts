// Operators call identity's gRPC API with a JWT access token that identity itself issued (client credentials,
// resource urn:citypass:identity). Identity checks it against its own published keys: no network round trip.
import { createPublicKey } from 'node:crypto';
import { decodeJws, verifyJwsSignature } from '@citypass/credential';
import { unauthenticated } from '@citypass/platform/errors';
import type { Authenticate } from '@citypass/platform/grpc';
import type { KeySet } from '../store/signing_keys.ts';
import { resources } from '../oidc/provider.ts';

const maxTokenBytes = 8 * 1024;
const skewS = 5;

export function ownAccessTokenAuthenticator(issuer: string, keys: () => KeySet, now: () => number): Authenticate {
  return async (token) => {
    await Promise.resolve();
    let decoded;
    try {
      decoded = decodeJws(token, maxTokenBytes);
    } catch {
      throw unauthenticated('TOKEN_INVALID', 'the access token is not a valid JWT');
    }
    const key = keys().published.find((candidate) => candidate.kid === decoded.header.kid);
    if (key === undefined || !verifyJwsSignature(decoded, createPublicKey(key.privateKey))) {
      throw unauthenticated('TOKEN_INVALID', 'the access token signature does not verify');
    }
    const { iss, aud, exp, client_id: clientId, sub, scope } = decoded.payload;
    if (decoded.header.typ !== 'at+jwt' || iss !== issuer || aud !== resources.identity) {
      throw unauthenticated('TOKEN_INVALID', 'the access token is not for this service');
    }
    if (typeof exp !== 'number' || exp + skewS < now() / 1000) throw unauthenticated('TOKEN_EXPIRED', 'the access token has expired');
    if (typeof clientId !== 'string') throw unauthenticated('TOKEN_INVALID', 'the access token names no client');
    return {
      clientId,
      subject: typeof sub === 'string' ? sub : clientId,
      scopes: new Set(typeof scope === 'string' ? scope.split(' ') : []),
    };
  };
}
