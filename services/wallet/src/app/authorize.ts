// Service command: reserve funds on a resident's account as a pending hold, against the resident's mandate.
// The hot path is one database statement: the response and event are computed here from the request.
import { randomUUID } from 'node:crypto';
import { AuthorizeRequest, AuthorizeResponse, HoldChanged, type Hold } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument, isDomainError } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { walletSubjects } from '../bus/wallet_events.ts';
import { positiveMoney } from '../domain/money.ts';
import { checkText } from '@citypass/platform/text';
import { walletMetrics } from '../metrics.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { verifyMandate } from './mandate.ts';
import { oneStatement, storedResponse } from './one_statement.ts';

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
  const operation = `${caller.service}:authorize`;
  const fingerprint = AuthorizeRequest.encode({ ...request, idempotencyKey: '' }).finish();

  let mandate;
  try {
    mandate = await verifyMandate(deps, request.presentation, caller.service, money);
  } catch (error) {
    // A repeat of a request that succeeded gets its first answer even once its presentation has expired.
    const stored = isDomainError(error) ? await storedResponse(deps.pool, operation, key, fingerprint) : undefined;
    if (stored !== undefined) return AuthorizeResponse.decode(stored);
    throw error;
  }
  const now = deps.now();
  const hold: Hold = {
    holdId: randomUUID(), service: caller.service, residentId: mandate.subject, credentialId: mandate.credentialId, amount: money,
    capturedMinor: 0n, refundedMinor: 0n, status: 'pending', createdAt: new Date(now), expiresAt: new Date(now + ttlS * 1000), reference: request.reference,
  };
  const response = await oneStatement(deps.pool, {
    fn: 'wallet_authorize_once',
    operation,
    key,
    fingerprint,
    response: AuthorizeResponse.encode({ hold }).finish(),
    event: { type: walletSubjects.holdAuthorized, source: 'wallet', payload: HoldChanged.encode({ hold, transferId: '', amountMinor: money.amountMinor }).finish() },
    args: [
      hold.holdId, caller.service, mandate.subject, mandate.credentialId, mandate.presentationId, money.currency, money.amountMinor,
      request.reference, hold.createdAt, hold.expiresAt,
      deps.risk.authorizationsPerMinute, deps.risk.dailyLimitMinor, deps.risk.credentialDailyLimitMinor,
    ],
  });
  return AuthorizeResponse.decode(response);
}

export function checkReference(reference: string): string {
  return checkText(reference, 'reference', 128);
}
