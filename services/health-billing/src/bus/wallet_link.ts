// Health billing's side of the wallet's NATS request/reply, with its own token (charge:, adjudicate:, refund:
// health-billing): a bill is paid by one split hold (the patient's share against their mandate, the plan's share on
// the insurer's payer account, both paid to the clinic), captured whole. Every call carries an idempotency key
// derived from the bill, so a repeat after a crash gets the wallet's first answer. A refused token is fetched again
// once (identity may have rotated keys or the token may have just expired).
import { walletRequestSubjects } from '@citypass/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AuthorizeRequest,
  AuthorizeResponse,
  CaptureRequest,
  CaptureResponse,
  RefundRequest,
  RefundResponse,
  VoidRequest,
  VoidResponse,
  type Hold,
} from '@citypass/proto/wallet/v1/wallet';
import { authorizedRequester } from '@citypass/platform/bus';
import type { ClientCredentials } from '@citypass/platform/client_credentials';
import { tracedWalletCall } from './traced_wallet_call.ts';

export interface SplitCharge {
  readonly key: string;
  /** The patient's mandate: a presentation addressed to the clinic. */
  readonly presentation: string;
  readonly clinic: string;
  readonly currency: string;
  readonly patientMinor: bigint;
  readonly insurer: string;
  readonly planMinor: bigint;
  /** The bill id: the hold's reference. */
  readonly reference: string;
  readonly holdTtlSeconds: number;
}

export interface WalletLink {
  authorize(charge: SplitCharge): Promise<Hold>;
  capture(input: { key: string; holdId: string; patientMinor: bigint; planMinor: bigint }): Promise<Hold>;
  void(input: { key: string; holdId: string }): Promise<Hold>;
  refund(input: {
    key: string;
    holdId: string;
    patientMinor: bigint;
    planMinor: bigint;
    reason: string;
  }): Promise<Hold>;
}

const callTimeoutMs = 5_000;

export function natsWalletLink(nc: NatsConnection, credentials: ClientCredentials): WalletLink {
  const call = tracedWalletCall(authorizedRequester(nc, credentials, callTimeoutMs));
  const holdOf = (hold: Hold | undefined, verb: string): Hold => {
    if (hold === undefined) throw new Error(`the wallet answered ${verb} without its hold`);
    return hold;
  };
  return {
    async authorize(charge) {
      const answer = AuthorizeResponse.decode(
        await call(
          walletRequestSubjects.authorize,
          AuthorizeRequest.encode({
            idempotencyKey: charge.key,
            amount: { amountMinor: charge.patientMinor, currency: charge.currency },
            presentation: charge.presentation,
            reference: charge.reference,
            holdTtlSeconds: charge.holdTtlSeconds,
            settlesTap: false,
            payee: charge.clinic,
            ...(charge.planMinor > 0n ? { payerShare: { payer: charge.insurer, amountMinor: charge.planMinor } } : {}),
          }).finish(),
        ),
      );
      return holdOf(answer.hold, 'an authorization');
    },
    async capture({ key, holdId, patientMinor, planMinor }) {
      const answer = CaptureResponse.decode(
        await call(
          walletRequestSubjects.capture,
          CaptureRequest.encode({
            idempotencyKey: key,
            holdId,
            amountMinor: patientMinor,
            payerAmountMinor: planMinor,
          }).finish(),
        ),
      );
      return holdOf(answer.hold, 'a capture');
    },
    async void({ key, holdId }) {
      const answer = VoidResponse.decode(
        await call(walletRequestSubjects.void, VoidRequest.encode({ idempotencyKey: key, holdId }).finish()),
      );
      return holdOf(answer.hold, 'a void');
    },
    async refund({ key, holdId, patientMinor, planMinor, reason }) {
      const answer = RefundResponse.decode(
        await call(
          walletRequestSubjects.refund,
          RefundRequest.encode({
            idempotencyKey: key,
            holdId,
            amountMinor: patientMinor,
            payerAmountMinor: planMinor,
            reason,
          }).finish(),
        ),
      );
      return holdOf(answer.hold, 'a refund');
    },
  };
}
