// Funding command: money enters a resident account from the city's float (the bank or card integration calls
// this after the money arrived on its side). Opens the resident's account if this is their first top-up.
import { randomUUID } from 'node:crypto';
import { TopUpRequest, TopUpResponse } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { isUuid } from '@citypass/platform/ids';
import { toppedUp } from '../bus/wallet_events.ts';
import { positiveMoney } from '../domain/money.ts';
import { checkText } from '@citypass/platform/text';
import { openAccount } from './accounts.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { ledgerCall } from './ledger_call.ts';

interface TransferRow {
  readonly id: string;
  readonly credit_balance_after_minor: string;
}

export async function topUp(deps: WalletDeps, caller: Caller, request: TopUpRequest, deadlineMs: number): Promise<TopUpResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  if (!isUuid(request.residentId)) throw invalidArgument('RESIDENT_ID_INVALID', 'resident_id must be a UUID');
  const money = positiveMoney(request.amount?.amountMinor ?? 0n, request.amount?.currency ?? '', deps.currencies);
  checkText(request.fundingReference, 'funding_reference', 96, { required: true });
  return deps.accounts.run(request.residentId, () => ledgerCall<TransferRow, TopUpResponse>(deps, {
    operation: `${caller.service}:top_up`,
    key,
    fingerprint: TopUpRequest.encode({ ...request, idempotencyKey: '' }).finish(),
    run: async (client) => {
      await openAccount(client, 'resident', request.residentId, money.currency);
      const result = await client.query<TransferRow>('SELECT * FROM wallet_top_up($1, $2, $3, $4, $5, $6, $7)', [
        // One top-up per payment: the reference is unique per funding service (a unique index refuses a second).
        randomUUID(), request.residentId, money.currency, money.amountMinor, `${caller.service}:${request.fundingReference}`, new Date(deps.now()), randomUUID(),
      ]);
      return result.rows[0] as TransferRow;
    },
    finish: async (client, transfer) => {
      await toppedUp(client, { transferId: transfer.id, residentId: request.residentId, amount: money, fundingReference: request.fundingReference });
      return { transferId: transfer.id, balance: { amountMinor: BigInt(transfer.credit_balance_after_minor), currency: money.currency } };
    },
    encode: (response) => TopUpResponse.encode(response).finish(),
    decode: (bytes) => TopUpResponse.decode(bytes),
  }), deadlineMs);
}
