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
  HoldChanged,
  type Hold,
} from '@citypass/proto/wallet/v1/wallet';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { holdChanged, walletSubjects } from '../bus/wallet_events.ts';
import { positiveMinor } from '../domain/money.ts';
import { checkText } from '@citypass/platform/text';
import { holdColumns, holdFromRow, type HoldRow } from '../store/rows.ts';
import { walletMetrics } from '../metrics.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { ledgerCall } from './ledger_call.ts';
import { oneStatement } from './one_statement.ts';
import { checkHoldId, getHold } from './queries.ts';

export async function capture(deps: WalletDeps, caller: Caller, request: CaptureRequest, deadlineMs: number): Promise<CaptureResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const amount = positiveMinor(request.amountMinor);
  const before = await getHold(deps, caller.service, request.holdId);
  const transferId = randomUUID();
  // What the hold will be if this capture goes through; the database refuses it if the hold is not pending.
  const hold: Hold = { ...before, capturedMinor: amount, refundedMinor: 0n, status: 'captured' };
  const response = await deps.accounts.run(before.residentId, () => oneStatement(deps.pool, {
    fn: 'wallet_capture_once',
    operation: `${caller.service}:capture`,
    key,
    fingerprint: CaptureRequest.encode({ ...request, idempotencyKey: '' }).finish(),
    response: CaptureResponse.encode({ hold, transferId }).finish(),
    event: { type: walletSubjects.holdCaptured, source: 'wallet', payload: HoldChanged.encode({ hold, transferId, amountMinor: amount }).finish() },
    args: [before.holdId, caller.service, amount, transferId, new Date(deps.now())],
  }), deadlineMs);
  walletMetrics.movedMinor.add(Number(amount), { kind: 'capture', currency: hold.amount?.currency ?? '' });
  return CaptureResponse.decode(response);
}

export async function voidHold(deps: WalletDeps, caller: Caller, request: VoidRequest, deadlineMs: number): Promise<VoidResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const before = await getHold(deps, caller.service, request.holdId);
  const hold: Hold = { ...before, status: 'voided' };
  const response = await deps.accounts.run(before.residentId, () => oneStatement(deps.pool, {
    fn: 'wallet_void_once',
    operation: `${caller.service}:void`,
    key,
    fingerprint: VoidRequest.encode({ ...request, idempotencyKey: '' }).finish(),
    response: VoidResponse.encode({ hold }).finish(),
    event: { type: walletSubjects.holdVoided, source: 'wallet', payload: HoldChanged.encode({ hold, transferId: '', amountMinor: hold.amount?.amountMinor ?? 0n }).finish() },
    args: [before.holdId, caller.service, new Date(deps.now())],
  }), deadlineMs);
  return VoidResponse.decode(response);
}

export async function refund(deps: WalletDeps, caller: Caller, request: RefundRequest): Promise<RefundResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const holdId = checkHoldId(request.holdId);
  const amount = positiveMinor(request.amountMinor);
  checkText(request.reason, 'reason', 128);
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
