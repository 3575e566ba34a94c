// The issuer's ES256 keys: made on first start, sealed at rest, rotated on a schedule (domain/key_schedule.ts).
// Several identity processes may start at once: creation runs under an advisory lock and re-plans inside it.
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { jwkThumbprint, type EcPublicJwk } from '@citypass/credential';
import { failedPrecondition } from '@citypass/platform/errors';
import { withTransaction, type Pool, type PoolClient } from '@citypass/platform/pg';
import { planKeys, type KeyPolicy } from '../domain/key_schedule.ts';
import type { SecretBox } from './secret_box.ts';
import { identityReasons } from '@citypass/contracts';

export interface SigningKey {
  readonly kid: string;
  readonly activatesAtMs: number;
  readonly privateJwk: JsonWebKey;
  readonly privateKey: KeyObject;
}

export interface KeySet {
  readonly signer: SigningKey;
  /** Signer first: oidc-provider signs with the first key of a matching algorithm. */
  readonly published: readonly SigningKey[];
  /** Changes whenever the signer or the published set does. */
  readonly version: string;
}

const lockId = 7262874;

export async function loadKeySet(pool: Pool, box: SecretBox, policy: KeyPolicy, nowMs = Date.now()): Promise<KeySet> {
  let keys = await readKeys(pool, box);
  if (planKeys(keys, nowMs, policy).create !== undefined) {
    keys = await withTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [lockId]);
      const current = await readKeys(client, box);
      const create = planKeys(current, nowMs, policy).create;
      if (create === undefined) return current;
      const activatesAtMs = create === 'now' ? nowMs : nowMs + policy.activationDelayMs;
      return [...current, await insertKey(client, box, activatesAtMs)];
    });
  }
  const plan = planKeys(keys, nowMs, policy);
  if (plan.signer === undefined) throw new Error('no signing key after key creation');
  return { signer: plan.signer, published: plan.published, version: plan.published.map((key) => key.kid).join(',') };
}

/**
 * Publishes a successor at once that signs after the activation delay (operator-requested rotation). Refused
 * while a published successor is still waiting to sign: each rotation would otherwise push one more key out.
 */
export async function rotateNow(pool: Pool, box: SecretBox, activationDelayMs: number): Promise<SigningKey> {
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [lockId]);
    const nowMs = Date.now();
    const pending = await client.query('SELECT 1 FROM signing_keys WHERE activates_at > $1', [new Date(nowMs)]);
    if (pending.rowCount !== 0) {
      throw failedPrecondition(
        identityReasons.ROTATION_PENDING,
        'the next signing key is published but not signing yet; rotate after it activates',
      );
    }
    return insertKey(client, box, nowMs + activationDelayMs);
  });
}

async function insertKey(client: PoolClient, box: SecretBox, activatesAtMs: number): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = publicKey.export({ format: 'jwk' }) as EcPublicJwk;
  // A short kid keeps the credential (and so the QR code) small; 66 bits of the thumbprint never collide here.
  const kid = jwkThumbprint(publicJwk).slice(0, 11);
  const privateJwk: JsonWebKey = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
  await client.query(
    'INSERT INTO signing_keys (kid, private_jwk_sealed, public_jwk, activates_at) VALUES ($1, $2, $3, $4)',
    [
      kid,
      box.seal(Buffer.from(JSON.stringify(privateJwk)), `signing-key:${kid}`),
      { ...publicJwk, kid },
      new Date(activatesAtMs),
    ],
  );
  return { kid, activatesAtMs, privateJwk, privateKey };
}

async function readKeys(db: Pick<Pool, 'query'>, box: SecretBox): Promise<SigningKey[]> {
  const result = await db.query<{ kid: string; private_jwk_sealed: Buffer; activates_at: Date }>(
    'SELECT kid, private_jwk_sealed, activates_at FROM signing_keys',
  );
  return result.rows.map((row) => {
    let opened: Buffer;
    try {
      opened = box.open(row.private_jwk_sealed, `signing-key:${row.kid}`);
    } catch (cause) {
      throw new Error(
        `stored signing key ${row.kid} cannot be opened: IDENTITY_KEY_ENCRYPTION_KEY is not the key it was sealed with ` +
          '(a database set up with other secrets?)',
        { cause },
      );
    }
    const privateJwk = JSON.parse(opened.toString()) as JsonWebKey;
    return {
      kid: row.kid,
      activatesAtMs: row.activates_at.getTime(),
      privateJwk,
      privateKey: createPrivateKey({ key: privateJwk, format: 'jwk' }),
    };
  });
}
