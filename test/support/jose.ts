// Minimal ES256 signing for test clients (phones, DPoP proofs, key proofs) on node:crypto alone.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export interface DeviceKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  readonly thumbprint: string;
}

export function newDeviceKey(): DeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const publicJwk = { kty: 'EC' as const, crv: 'P-256' as const, x: x ?? '', y: y ?? '' };
  const thumbprint = createHash('sha256')
    .update(`{"crv":"P-256","kty":"EC","x":"${publicJwk.x}","y":"${publicJwk.y}"}`)
    .digest('base64url');
  return { privateKey, publicJwk, thumbprint };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signCompact(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** An RFC 9449 DPoP proof. `ath` binds it to an access token; `iatS` lets tests send stale or future proofs. */
export function dpopProof(
  key: DeviceKey,
  method: string,
  url: string,
  options: { accessToken?: string; iatS?: number; jti?: string } = {},
): string {
  return signCompact(
    { typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk },
    {
      htm: method,
      htu: url,
      iat: options.iatS ?? Math.floor(Date.now() / 1000),
      jti: options.jti ?? randomBytes(16).toString('base64url'),
      ...(options.accessToken ? { ath: createHash('sha256').update(options.accessToken).digest('base64url') } : {}),
    },
    key.privateKey,
  );
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
