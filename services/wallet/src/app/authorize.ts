// Service command: reserve funds on a resident's account as a pending hold, against the resident's mandate.
import { randomUUID } from 'node:crypto';
import { AuthorizeRequest, AuthorizeResponse, type Hold } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { holdChanged } from '../bus/wallet_events.ts';
import { positiveMoney } from '../domain/money.ts';
import { holdColumns, holdFromRow, type HoldRow } from '../store/rows.ts';
import { isDomainError } from '@citypass/platform/errors';
import { walletMetrics } from '../metrics.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { ledgerCall } from './ledger_call.ts';
import { verifyMandate } from './mandate.ts';

export async function authorize(deps: WalletDeps, caller: Caller, request: AuthorizeRequest): Promise<AuthorizeResponse> {
  try {
    const response = await authorizeOnce(deps, caller, request);
    walletMetrics.authorizations.add(1, { outcome: 'approved', service: caller.service });
    return response;
  } catch (error) {
    walletMetrics.authorizations.add(1, { outcome: 'declined', service: caller.service, reason: isDomainError(error) ? error.reason : 'INTERNAL' });
    throw error;
  }
}

async function authorizeOnce(deps: WalletDeps, caller: Caller, request: AuthorizeRequest): Promise<AuthorizeResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const money = positiveMoney(request.amount?.amountMinor ?? 0n, request.amount?.currency ?? '', deps.currencies);
  checkReference(request.reference);
  const ttlS = request.holdTtlSeconds === 0 ? deps.holdTtlDefaultS : request.holdTtlSeconds;
  if (ttlS > deps.holdTtlMaxS) throw invalidArgument('HOLD_TTL_TOO_LONG', `hold_ttl_seconds must be at most ${deps.holdTtlMaxS}`);

  return ledgerCall<Hold, AuthorizeResponse>(deps, {
    operation: `${caller.service}:authorize`,
    key,
    fingerprint: AuthorizeRequest.encode({ ...request, idempotencyKey: '' }).finish(),
    // The mandate is checked after the key is claimed, so a repeated request gets its first answer instead of a
    // "presentation replayed" refusal.
    run: async (client) => {
      const mandate = await verifyMandate(deps, request.presentation, caller.service, money);
      const now = deps.now();
      const result = await client.query<HoldRow>(
        `SELECT ${holdColumns} FROM wallet_authorize($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          randomUUID(), caller.service, mandate.subject, mandate.credentialId, mandate.presentationId, money.currency,
          money.amountMinor, request.reference, new Date(now), new Date(now + ttlS * 1000),
          deps.risk.authorizationsPerMinute, deps.risk.dailyLimitMinor, deps.risk.credentialDailyLimitMinor,
        ],
      );
      return holdFromRow(result.rows[0] as HoldRow);
    },
    finish: async (client, hold) => {
      await holdChanged(client, 'holdAuthorized', { hold, transferId: '', amountMinor: hold.amount?.amountMinor ?? 0n });
      return { hold };
    },
    encode: (response) => AuthorizeResponse.encode(response).finish(),
    decode: (bytes) => AuthorizeResponse.decode(bytes),
  });
}

export function checkReference(reference: string): string {
  if (reference.length > 128) throw invalidArgument('REFERENCE_TOO_LONG', 'reference must be at most 128 characters');
  return reference;
}
