// Service command: reserve funds on a resident's account as a pending hold, against the resident's mandate.
// The hot path is one database statement: the response and event are computed here from the request.
//
// A charge that settles a tap (settles_tap, transit's deferred fares) needs `settle:<service>` on top of the
// `charge:<service>` the edge checked, and a reference. Its mandate is the tap's presentation, verified as of the
// tap (mandate.ts), and it is single use per (tap, reference) rather than per presentation: one tap may back several
// charges (fare corrections) and each reference is charged once, whatever the idempotency key.
//
// A split charge (split.ts: a payee, a payer's share; health billing) needs `adjudicate:<service>`. The resident's
// mandate is then addressed to the payee (the clinic the resident is at) and its cap covers the resident's amount
// only, which may be 0 when a payer's share carries the charge; the payer's share is reserved in the same statement.
import { randomUUID } from 'node:crypto';
import { AuthorizeRequest, AuthorizeResponse, type Hold } from '@citypass/proto/wallet/v1/wallet';
import { DomainError, invalidArgument, isDomainError } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { holdChanged } from '../bus/wallet_events.ts';
import { nonNegativeMoney, positiveMoney, type Money } from '../domain/money.ts';
import { placeIdPattern } from '../domain/risk_places.ts';
import { checkText } from '@citypass/platform/text';
import { walletMetrics } from '../metrics.ts';
import { requireVerb } from './callers.ts';
import type { Caller, WalletDeps } from './deps.ts';
import { verifyMandate, verifyTapMandate } from './mandate.ts';
import { splitOf } from './split.ts';
import type { IdempotencyKey, PayerLeg } from './store.ts';
import { walletReasons } from '@citypass/contracts';
import type { VerifiedPresentation } from '@citypass/credential';
import { commonReasons } from '@citypass/platform/reasons';
import { recordCommitted, recordLedgerRefusal, scoreAuthorization, type ScoredTerms } from './risk_scoring.ts';
import type { RiskDecisionRecord } from './store.ts';
import { requestDigest } from './request_digest.ts';
import { encodeMessage } from '@citypass/platform/protobuf';
import { ownAnswer } from './own_answer.ts';

/** `deadlineMs`: the caller's; a call still waiting behind others on the account then is dropped. */
export function authorize(
  deps: WalletDeps,
  caller: Caller,
  request: AuthorizeRequest,
  deadlineMs: number,
): Promise<AuthorizeResponse> {
  return countedAuthorization(deps, caller, () => authorizeOnce(deps, caller, request, deadlineMs));
}

/** Counts an authorization (or a charge, which is one) as approved or declined with its reason. */
export async function countedAuthorization<T>(deps: WalletDeps, caller: Caller, run: () => Promise<T>): Promise<T> {
  try {
    const response = await run();
    walletMetrics.authorizations.add(1, { outcome: 'approved', service: caller.service });
    deps.counts.approved(caller.service);
    return response;
  } catch (error) {
    walletMetrics.authorizations.add(1, {
      outcome: 'declined',
      service: caller.service,
      reason: isDomainError(error) ? error.reason : commonReasons.INTERNAL,
    });
    if (isDomainError(error)) deps.counts.declined(caller.service, error.reason);
    throw error;
  }
}

/** What an authorization and a charge both ask (a charge is an authorization with no hold lifetime). */
export type ChargeTerms = Omit<AuthorizeRequest, 'holdTtlSeconds'>;

export interface CheckedTerms {
  readonly key: string;
  readonly money: Money;
  readonly payee: string | undefined;
  readonly payerShare: PayerLeg | undefined;
}

export function checkTerms(deps: WalletDeps, caller: Caller, request: ChargeTerms): CheckedTerms {
  if (request.settlesTap) requireVerb(caller, 'settle');
  const { payee, payerShare } = splitOf(caller, request);
  // Nor is anyone paid on behalf of a suspended merchant (a clinic health billing charges for).
  if (payee !== undefined) deps.suspensions.assertActive(payee);
  const key = checkIdempotencyKey(request.idempotencyKey);
  const money = (payerShare === undefined ? positiveMoney : nonNegativeMoney)(
    request.amount?.amountMinor ?? 0n,
    request.amount?.currency ?? '',
    deps.currencies,
  );
  checkReference(request.reference, request.settlesTap);
  checkStationId(request);
  return { key, money, payee, payerShare };
}

/**
 * The request an idempotency key is bound to: all but the key and station_id. A fare's station is where the tap it
 * settles was made, which transit reads from that tap (whose presentation the request carries) for the settlement
 * step the key names, so a repeat under the key names the same station, or none when the first try came from a
 * transit older than station_id: that repeat must get the first answer, not IDEMPOTENCY_KEY_REUSED, which transit's
 * settlement would retry forever. The station only places the fare for the risk engine; it moves no money.
 */
export function keyedTerms<T extends ChargeTerms>(request: T): T {
  return { ...request, idempotencyKey: '', stationId: undefined };
}

/** A tap's station (transit's id) rides only with the charge that settles the tap. */
function checkStationId({ stationId, settlesTap }: ChargeTerms): void {
  if (stationId === undefined) return;
  if (!settlesTap || !placeIdPattern.test(stationId))
    throw invalidArgument(
      walletReasons.STATION_INVALID,
      'station_id is 1-64 of [A-Za-z0-9._:-], only with settles_tap',
    );
}

async function authorizeOnce(
  deps: WalletDeps,
  caller: Caller,
  request: AuthorizeRequest,
  deadlineMs: number,
): Promise<AuthorizeResponse> {
  const { key, money, payee, payerShare } = checkTerms(deps, caller, request);
  const ttlS = request.holdTtlSeconds === 0 ? deps.holdTtlDefaultS : request.holdTtlSeconds;
  if (ttlS > deps.holdTtlMaxS)
    throw invalidArgument(walletReasons.HOLD_TTL_TOO_LONG, `hold_ttl_seconds must be at most ${deps.holdTtlMaxS}`);
  const idempotency = {
    operation: `${caller.service}:authorize`,
    key,
    requestDigest: requestDigest(encodeMessage(AuthorizeRequest, keyedTerms(request))),
  };
  const mandate = await mandateOrAnswer(deps, payee ?? caller.service, request, money, idempotency);
  if (mandate instanceof Uint8Array) return AuthorizeResponse.decode(mandate);
  const createdAt = new Date(deps.now());
  const expiresAt = new Date(createdAt.getTime() + ttlS * 1000);
  const holdId = randomUUID();
  let riskDecision: RiskDecisionRecord | undefined;
  try {
    riskDecision = scoreAuthorization(
      deps.riskScoring,
      scoredTerms(caller, request, money, mandate, { holdId, at: createdAt, idempotency }),
    );
  } catch (error) {
    return AuthorizeResponse.decode(await firstAnswerOr(deps, idempotency, error));
  }
  const hold: Hold = {
    holdId,
    service: caller.service,
    residentId: mandate.subject,
    credentialId: mandate.credentialId,
    amount: money,
    capturedMinor: 0n,
    refundedMinor: 0n,
    status: 'pending',
    createdAt,
    expiresAt,
    reference: request.reference,
    payee: payee ?? caller.service,
    payer: payerShare?.payer ?? '',
    payerAmountMinor: payerShare?.amountMinor ?? 0n,
    payerCapturedMinor: 0n,
    payerRefundedMinor: 0n,
  };
  const answer = ownAnswer(AuthorizeResponse, { hold });
  const statement = deps.accounts.run(
    mandate.subject,
    () =>
      deps.store.oneStatement.authorize(
        {
          ...idempotency,
          deadlineMs,
          response: answer.bytes,
          event: holdChanged('holdAuthorized', {
            hold,
            transferId: '',
            amountMinor: money.amountMinor,
            payerTransferId: '',
            payerAmountMinor: hold.payerAmountMinor,
          }),
        },
        {
          holdId: hold.holdId,
          service: caller.service,
          residentId: mandate.subject,
          credentialId: mandate.credentialId,
          mandateNonce: mandate.key,
          amount: money,
          reference: request.reference,
          createdAt,
          expiresAt,
          risk: deps.risk,
          riskDecision,
          payee,
          payerShare,
        },
      ),
    deadlineMs,
  );
  let stored: Buffer;
  try {
    stored = await statement;
  } catch (error) {
    const refused = request.settlesTap ? tapReuseOf(error) : error;
    recordLedgerRefusal(deps.riskScoring, idempotency, riskDecision, refused);
    throw refused;
  }
  recordCommitted(deps.riskScoring, idempotency, riskDecision);
  const response = answer.of(stored);
  // Our own hold, committed (a repeat's first answer is another hold, read when captured).
  if (response.hold === hold) deps.recentHolds.remember(hold);
  return response;
}

/**
 * The resident's mandate for the terms; or, when it no longer verifies, the first answer of a repeat that
 * succeeded (its presentation may have expired since).
 */
export async function mandateOrAnswer(
  deps: WalletDeps,
  audience: string,
  request: ChargeTerms,
  money: Money,
  idempotency: IdempotencyKey,
): Promise<Mandate | Buffer> {
  try {
    return await mandateFor(deps, audience, request, money);
  } catch (error) {
    return firstAnswerOr(deps, idempotency, error);
  }
}

/** The first answer of a repeat whose key succeeded before (its mandate expired since, or risk now refuses it). */
export async function firstAnswerOr(deps: WalletDeps, idempotency: IdempotencyKey, error: unknown): Promise<Buffer> {
  const stored = isDomainError(error) ? await deps.store.idempotency.storedResponse(idempotency) : undefined;
  if (stored !== undefined) return stored;
  throw error;
}

/** What the risk engine is told about an authorization or a charge. */
export function scoredTerms(
  caller: Caller,
  request: ChargeTerms,
  money: Money,
  mandate: Mandate,
  call: { readonly holdId: string; readonly at: Date; readonly idempotency: IdempotencyKey },
): ScoredTerms {
  const payee = request.payee ?? '';
  return {
    holdId: call.holdId,
    service: caller.service,
    merchant: payee === '' ? caller.service : payee,
    money,
    settlesTap: request.settlesTap,
    stationId: request.stationId,
    clinic: payee !== '' || request.payerShare !== undefined,
    mandate: mandate.verified,
    nowMs: call.at.getTime(),
    idempotency: call.idempotency,
  };
}

export interface Mandate {
  readonly subject: string;
  readonly credentialId: string;
  /** holds.mandate_nonce, unique: the presentation nonce, or `tap:<nonce>:<reference>` for a tap's charge. */
  readonly key: string;
  /** What the presentation proved, for the risk engine. */
  readonly verified: VerifiedPresentation;
}

/** `audience`: whom the resident addressed the mandate to, the merchant paid (the payee, or else the caller). */
async function mandateFor(deps: WalletDeps, audience: string, request: ChargeTerms, money: Money): Promise<Mandate> {
  if (!request.settlesTap) {
    const verified = await verifyMandate(deps, request.presentation, audience, money);
    return { subject: verified.subject, credentialId: verified.credentialId, key: verified.presentationId, verified };
  }
  const verified = await verifyTapMandate(deps, request.presentation, audience, money);
  // Nonces are base64url (no ':'), so the key names one (tap, reference) pair.
  return {
    subject: verified.subject,
    credentialId: verified.credentialId,
    key: `tap:${verified.presentationId}:${request.reference}`,
    verified,
  };
}

/** A second hold for one (tap, reference) means that charge was made already, under another idempotency key. */
export function tapReuseOf(error: unknown): unknown {
  if (!(error instanceof DomainError && error.reason === walletReasons.MANDATE_ALREADY_USED)) return error;
  return new DomainError(
    'already_exists',
    walletReasons.TAP_ALREADY_SETTLED,
    'this tap was already charged under this reference',
    { cause: error },
  );
}

/** At most 128 characters; a tap's charge must name one (the journey it prices), since it is charged once per reference. */
export function checkReference(reference: string, required = false): string {
  return checkText(reference, 'reference', 128, { required });
}
