// Service commands on one of its holds: capture (all or part; the rest is released), void, refund (partial and
// repeated, never more than was captured). Each posts at most one transfer and one event.
import { randomUUID } from 'node:crypto';
import {
  CaptureRequest,
  CaptureResponse,
  RefundRequest,
  RefundResponse,
  VoidRequest,
  VoidResponse,
  type Hold,
} from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { holdChanged } from '../bus/wallet_events.ts';
import { isUuid } from '@citypass/platform/ids';
import { positiveMinor } from '../domain/money.ts';
import { holdColumns, holdFromRow, type HoldRow } from '../store/rows.ts';
import { walletMetrics } from '../metrics.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { ledgerCall } from './ledger_call.ts';

export async function capture(deps: WalletDeps, caller: Caller, request: CaptureRequest): Promise<CaptureResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const holdId = checkHoldId(request.holdId);
  const amount = positiveMinor(request.amountMinor);
  const transferId = randomUUID();
  return ledgerCall<Hold, CaptureResponse>(deps, {
    operation: `${caller.service}:capture`,
    key,
    fingerprint: CaptureRequest.encode({ ...request, idempotencyKey: '' }).finish(),
    run: async (client) => {
      const result = await client.query<HoldRow>(`SELECT ${holdColumns} FROM wallet_capture($1, $2, $3, $4, $5)`, [
        holdId, caller.service, amount, transferId, new Date(deps.now()),
      ]);
      return holdFromRow(result.rows[0] as HoldRow);
    },
    finish: async (client, hold) => {
      await holdChanged(client, 'holdCaptured', { hold, transferId, amountMinor: amount });
      walletMetrics.movedMinor.add(Number(amount), { kind: 'capture', currency: hold.amount?.currency ?? '' });
      return { hold, transferId };
    },
    encode: (response) => CaptureResponse.encode(response).finish(),
    decode: (bytes) => CaptureResponse.decode(bytes),
  });
}

export async function voidHold(deps: WalletDeps, caller: Caller, request: VoidRequest): Promise<VoidResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const holdId = checkHoldId(request.holdId);
  return ledgerCall<Hold, VoidResponse>(deps, {
    operation: `${caller.service}:void`,
    key,
    fingerprint: VoidRequest.encode({ ...request, idempotencyKey: '' }).finish(),
    run: async (client) => {
      const result = await client.query<HoldRow>(`SELECT ${holdColumns} FROM wallet_void($1, $2, $3)`, [holdId, caller.service, new Date(deps.now())]);
      return holdFromRow(result.rows[0] as HoldRow);
    },
    finish: async (client, hold) => {
      await holdChanged(client, 'holdVoided', { hold, transferId: '', amountMinor: hold.amount?.amountMinor ?? 0n });
      return { hold };
    },
    encode: (response) => VoidResponse.encode(response).finish(),
    decode: (bytes) => VoidResponse.decode(bytes),
  });
}

export async function refund(deps: WalletDeps, caller: Caller, request: RefundRequest): Promise<RefundResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const holdId = checkHoldId(request.holdId);
  const amount = positiveMinor(request.amountMinor);
  if (request.reason.length > 128) throw invalidArgument('REASON_TOO_LONG', 'reason must be at most 128 characters');
  const transferId = randomUUID();
  return ledgerCall<Hold, RefundResponse>(deps, {
    operation: `${caller.service}:refund`,
    key,
    fingerprint: RefundRequest.encode({ ...request, idempotencyKey: '' }).finish(),
    run: async (client) => {
      const result = await client.query<HoldRow>(`SELECT ${holdColumns} FROM wallet_refund($1, $2, $3, $4, $5, $6)`, [
        holdId, caller.service, amount, transferId, request.reason, new Date(deps.now()),
      ]);
      return holdFromRow(result.rows[0] as HoldRow);
    },
    finish: async (client, hold) => {
      await holdChanged(client, 'holdRefunded', { hold, transferId, amountMinor: amount });
      walletMetrics.movedMinor.add(Number(amount), { kind: 'refund', currency: hold.amount?.currency ?? '' });
      return { hold, transferId };
    },
    encode: (response) => RefundResponse.encode(response).finish(),
    decode: (bytes) => RefundResponse.decode(bytes),
  });
}

export function checkHoldId(holdId: string): string {
  if (!isUuid(holdId)) throw invalidArgument('HOLD_ID_INVALID', 'hold_id must be a UUID');
  return holdId;
}
