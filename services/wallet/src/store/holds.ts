// Holds as rows (int8 arrives as text and is parsed to bigint here, deliberately) and as typed values, once.
import assert from 'node:assert/strict';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';
import type { Queryable } from '@citypass/platform/pg';
import type { HoldReads, PageCursor } from '../app/store.ts';

export interface HoldRow {
  readonly id: string;
  readonly service: string;
  readonly resident_id: string;
  readonly credential_id: string;
  readonly currency: string;
  readonly amount_minor: string;
  readonly captured_minor: string;
  readonly refunded_minor: string;
  readonly status: string;
  readonly reference: string;
  readonly created_at: Date;
  readonly expires_at: Date;
}

export const holdColumns =
  'id, service, resident_id, credential_id, currency, amount_minor, captured_minor, refunded_minor, status, reference, created_at, expires_at';

export function holdFromRow(row: HoldRow): Hold {
  const hold: Hold = {
    holdId: row.id,
    service: row.service,
    residentId: row.resident_id,
    credentialId: row.credential_id,
    amount: { amountMinor: BigInt(row.amount_minor), currency: row.currency.trim() },
    capturedMinor: BigInt(row.captured_minor),
    refundedMinor: BigInt(row.refunded_minor),
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    reference: row.reference,
  };
  // Money code checks what it reads (the database enforces the same).
  assert.ok(
    hold.capturedMinor <= (hold.amount?.amountMinor ?? 0n) && hold.refundedMinor <= hold.capturedMinor,
    'hold amounts out of order',
  );
  return hold;
}

export function holdReads(db: Queryable): HoldReads {
  return {
    async find(service, holdId) {
      const result = await db.query<HoldRow>(`SELECT ${holdColumns} FROM holds WHERE id = $1 AND service = $2`, [
        holdId,
        service,
      ]);
      const row = result.rows[0];
      return row === undefined ? undefined : holdFromRow(row);
    },
    async list(service: string, status: string, before: PageCursor | undefined, limit: number) {
      const result = await db.query<HoldRow>(
        `SELECT ${holdColumns} FROM holds WHERE service = $1 AND ($2 = '' OR status = $2)
           AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
         ORDER BY created_at DESC, id DESC LIMIT $5`,
        [service, status, before?.at ?? null, before?.id ?? null, limit],
      );
      return result.rows.map(holdFromRow);
    },
  };
}
