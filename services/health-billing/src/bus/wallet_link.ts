// Health billing's side of the wallet's NATS request/reply, with its own token (charge:, adjudicate:, refund:
// health-billing): a bill is paid by one split charge (the patient's share against their mandate, the plan's share on
// the insurer's payer account, both paid to the clinic), authorized and captured whole in one call: a finalized
// bill's shares are final. Every call carries an idempotency key
// derived from the bill, so a repeat after a crash gets the wallet's first answer. A refused token is fetched again
// once (identity may have rotated keys or the token may have just expired).
import { walletRequestSubjects } from '@citypass/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  ChargeRequest,
  ChargeResponse,
  RefundRequest,
  RefundResponse,
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
}

export interface WalletLink {
  /** The captured hold: both shares posted to the clinic. */
  charge(charge: SplitCharge): Promise<Hold>;
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
    async charge(charge) {
      const answer = ChargeResponse.decode(
        await call(
          walletRequestSubjects.charge,
          ChargeRequest.encode({
            idempotencyKey: charge.key,
            amount: { amountMinor: charge.patientMinor, currency: charge.currency },
            presentation: charge.presentation,
            reference: charge.reference,
            settlesTap: false,
            payee: charge.clinic,
            ...(charge.planMinor > 0n ? { payerShare: { payer: charge.insurer, amountMinor: charge.planMinor } } : {}),
          }).finish(),
        ),
      );
      return holdOf(answer.hold, 'a charge');
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
