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
  readonly payee: string;
  readonly payer: string;
  readonly payer_amount_minor: string;
  readonly payer_captured_minor: string;
  readonly payer_refunded_minor: string;
}

/** A hold without a payee is paid to its service; one without a payer is not split. */
export const holdColumns =
  'id, service, resident_id, credential_id, currency, amount_minor, captured_minor, refunded_minor, status, reference, created_at, expires_at, ' +
  "coalesce(payee, service) AS payee, coalesce(payer, '') AS payer, payer_amount_minor, payer_captured_minor, payer_refunded_minor";

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
    payee: row.payee,
    payer: row.payer,
    payerAmountMinor: BigInt(row.payer_amount_minor),
    payerCapturedMinor: BigInt(row.payer_captured_minor),
    payerRefundedMinor: BigInt(row.payer_refunded_minor),
  };
  // Money code checks what it reads (the database enforces the same).
  assert.ok(
    hold.capturedMinor <= (hold.amount?.amountMinor ?? 0n) && hold.refundedMinor <= hold.capturedMinor,
    'hold amounts out of order',
  );
  assert.ok(
    hold.payerCapturedMinor <= hold.payerAmountMinor &&
      hold.payerRefundedMinor <= hold.payerCapturedMinor &&
      (hold.payer === '') === (hold.payerAmountMinor === 0n),
    'payer leg out of order',
  );
  return hold;
}

export function holdReads(db: Queryable): HoldReads {
  return {
    async find(service, holdId) {
      // Prepared once per connection: every capture or void of a hold another process authorized reads it.
      const result = await db.query<HoldRow>({
        name: 'wallet_hold_find',
        text: `SELECT ${holdColumns} FROM holds WHERE id = $1 AND service = $2`,
        values: [holdId, service],
      });
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
