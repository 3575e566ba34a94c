// Rows as PostgreSQL returns them (int8 arrives as text and is parsed to bigint here, deliberately), and their
// wire shape.
import assert from 'node:assert/strict';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';

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

export const holdColumns = 'id, service, resident_id, credential_id, currency, amount_minor, captured_minor, refunded_minor, status, reference, created_at, expires_at';

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
  assert.ok(hold.capturedMinor <= (hold.amount?.amountMinor ?? 0n) && hold.refundedMinor <= hold.capturedMinor, 'hold amounts out of order');
  return hold;
}
