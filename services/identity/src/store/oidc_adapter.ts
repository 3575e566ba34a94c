// oidc-provider's storage in PostgreSQL. Two operations must be atomic, not find-then-write:
// - consume: an authorization code (or refresh token, PAR request) is consumed by exactly one caller; a second,
//   concurrent redemption fails and, for codes, revokes what the grant issued (RFC 6749 10.5).
// - replay detection (DPoP proof and client assertion jti): oidc-provider calls `find(id)` then `upsert`; here
//   `find` on ReplayDetection claims the id with one INSERT, so of two concurrent uses exactly one sees "new".
// A replayed code leaves a tombstone for its grant (model RevokedGrant, id = grant id, kept a day, longer than
// anything the grant issues lives): rows of that grant are no longer found and no longer written, so a token the
// winning redemption saves after the loser's revokeByGrantId is dead too.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Pool } from '@citypass/platform/pg';
import type { SecretBox } from './secret_box.ts';

const replayModel = 'ReplayDetection';
const replayClaimTtlS = 600;
const revokedGrantModel = 'RevokedGrant';
const revokedGrantTtlS = 24 * 3600;
const notRevoked = `NOT EXISTS (SELECT 1 FROM oidc_payloads t
  WHERE t.model = '${revokedGrantModel}' AND t.id = p.grant_id AND t.expires_at > now())`;

export function pgAdapterFactory(pool: Pool, box: SecretBox): (model: string) => Adapter {
  return (model) => new PgAdapter(pool, box, model);
}

class PgAdapter implements Adapter {
  readonly #pool: Pool;
  readonly #box: SecretBox;
  readonly #model: string;

  constructor(pool: Pool, box: SecretBox, model: string) {
    this.#pool = pool;
    this.#box = box;
    this.#model = model;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const stored = this.#model === 'Client' ? sealClientSecret(this.#box, id, payload) : payload;
    // A row of a revoked grant is not stored: oidc-provider finds nothing under its id later.
    await this.#pool.query(
      `INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at)
       SELECT $1, $2, $3::jsonb, $4::text, $5, $6, CASE WHEN $7::int > 0 THEN now() + make_interval(secs => $7::int) END
       WHERE $4::text IS NULL OR NOT EXISTS (SELECT 1 FROM oidc_payloads t
         WHERE t.model = '${revokedGrantModel}' AND t.id = $4::text AND t.expires_at > now())
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [this.#model, id, stored, payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn || 0],
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.#model === replayModel) return this.#claimReplayId(id);
    return this.#select('id = $2', id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#select('uid = $2', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#select('user_code = $2', userCode);
  }

  async consume(id: string): Promise<void> {
    const result = await this.#pool.query<{ grant_id: string | null }>(
      `UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL
       RETURNING grant_id`,
      [this.#model, id],
    );
    if (result.rowCount === 1) return;
    if (this.#model === 'PushedAuthorizationRequest') throw new errors.InvalidRequestUri('request_uri already used');
    if (this.#model === 'AuthorizationCode') {
      const row = await this.#pool.query<{ grant_id: string | null }>(
        'SELECT grant_id FROM oidc_payloads WHERE model = $1 AND id = $2',
        [this.#model, id],
      );
      const grantId = row.rows[0]?.grant_id;
      if (grantId) {
        await this.#pool.query(
          `INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES ($1, $2, '{}', now() + make_interval(secs => $3))
           ON CONFLICT (model, id) DO NOTHING`,
          [revokedGrantModel, grantId, revokedGrantTtlS],
        );
        await this.revokeByGrantId(grantId);
      }
    }
    throw new errors.InvalidGrant('grant already consumed');
  }

  async destroy(id: string): Promise<void> {
    await this.#pool.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [this.#model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#pool.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
  }

  async #select(where: string, value: string): Promise<AdapterPayload | undefined> {
    const result = await this.#pool.query<{ payload: AdapterPayload; consumed_at: Date | null }>(
      `SELECT payload, consumed_at FROM oidc_payloads p
       WHERE model = $1 AND ${where} AND (expires_at IS NULL OR expires_at > now()) AND ${notRevoked}`,
      [this.#model, value],
    );
    const row = result.rows[0];
    if (row === undefined) return undefined;
    const payload = this.#model === 'Client' ? openClientSecret(this.#box, row.payload) : row.payload;
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }

  async #claimReplayId(id: string): Promise<AdapterPayload | undefined> {
    const inserted = await this.#pool.query(
      `INSERT INTO oidc_payloads (model, id, payload, expires_at)
       VALUES ($1, $2, '{}', now() + make_interval(secs => $3)) ON CONFLICT (model, id) DO NOTHING`,
      [replayModel, id, replayClaimTtlS],
    );
    return inserted.rowCount === 1 ? undefined : { jti: id };
  }
}

/** A Client row written outside oidc-provider (onboarding), stored exactly as `upsert` would store it. */
export function clientRow(
  box: SecretBox,
  clientId: string,
  metadata: AdapterPayload,
): { model: string; id: string; payload: AdapterPayload } {
  return { model: 'Client', id: clientId, payload: sealClientSecret(box, clientId, metadata) };
}

// Client secrets are sealed in the stored metadata and opened only in memory, when oidc-provider loads a client.
function sealClientSecret(box: SecretBox, clientId: string, payload: AdapterPayload): AdapterPayload {
  const secret = payload.client_secret;
  if (typeof secret !== 'string') return payload;
  const { client_secret: _omitted, ...rest } = payload;
  return { ...rest, client_secret_sealed: box.seal(Buffer.from(secret), `client:${clientId}`).toString('base64url') };
}

function openClientSecret(box: SecretBox, payload: AdapterPayload): AdapterPayload {
  const sealed = payload.client_secret_sealed;
  if (typeof sealed !== 'string' || typeof payload.client_id !== 'string') return payload;
  const { client_secret_sealed: _omitted, ...rest } = payload;
  return {
    ...rest,
    client_secret: box.open(Buffer.from(sealed, 'base64url'), `client:${payload.client_id}`).toString(),
  };
}
