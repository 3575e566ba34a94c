// Operators call identity's gRPC API with a JWT access token that identity itself issued (client credentials,
// resource urn:citypass:identity). Identity checks it against its own published keys: no network round trip. A new
// published set (rotation) gets a new verifier, so tokens cached under a retired key are checked again.
import { createPublicKey } from 'node:crypto';
import { resources } from '@citypass/contracts';
import { AccessTokenVerifier, IssuerKeys, publicJwkOf } from '@citypass/credential';
import type { Authenticate } from '@citypass/platform/grpc';
import type { KeySet } from '../store/signing_keys.ts';

export function ownAccessTokenAuthenticator(issuer: string, keys: () => KeySet, now: () => number): Authenticate {
  let current: { readonly version: string; readonly verifier: AccessTokenVerifier } | undefined;
  return (token) => {
    const set = keys();
    if (current?.version !== set.version) {
      const issuerKeys = new IssuerKeys({ jwks: publishedJwks(set) });
      current = {
        version: set.version,
        verifier: new AccessTokenVerifier({ issuer, audience: resources.identity, issuerKeys, now }),
      };
    }
    return current.verifier.verify(token);
  };
}

function publishedJwks(set: KeySet): { keys: object[] } {
  return {
    keys: set.published.map(({ kid, privateKey }) => ({
      ...publicJwkOf(createPublicKey(privateKey)),
      kid,
      use: 'sig',
      alg: 'ES256',
    })),
  };
}
