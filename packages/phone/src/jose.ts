// Minimal ES256 signing for the phone (DPoP proofs, key proofs) on node:crypto alone, and its keys: made on the
// phone, and kept as a private JWK where a simulated phone must outlive its process (the CLI's demo resident).
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

export interface DeviceKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  readonly thumbprint: string;
}

export function newDeviceKey(): DeviceKey {
  return deviceKeyOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

/** The key as a private JWK (d, x, y), to keep in a file only the phone's owner can read. */
export function exportDeviceKey(key: DeviceKey): JsonWebKey {
  return key.privateKey.export({ format: 'jwk' });
}

/** A key kept by exportDeviceKey; throws if it is not a P-256 private key. */
export function importDeviceKey(jwk: JsonWebKey): DeviceKey {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error('not a P-256 private JWK');
  return deviceKeyOf(createPrivateKey({ key: jwk, format: 'jwk' }));
}

function deviceKeyOf(privateKey: KeyObject): DeviceKey {
  const { x, y } = privateKey.export({ format: 'jwk' });
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
