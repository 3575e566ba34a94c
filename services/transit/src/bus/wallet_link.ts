// Transit's side of the wallet's NATS request/reply: charges that settle verified taps (one combined charge: the fare
// is final when it is settled) and refunds of fare corrections, with transit's own access token (charge:, settle: and
// refund:transit). A refused token is fetched again once (identity may have rotated keys or the token may have just
// expired).
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

export interface WalletLink {
  /**
   * Charge the fare against the tap's presentation, authorized and captured in one call; `stationId` is where the
   * tap was made (the wallet's risk engine places the fare there).
   */
  charge(input: {
    key: string;
    presentation: string;
    stationId: string;
    amountMinor: bigint;
    currency: string;
    reference: string;
  }): Promise<Hold>;
  refund(input: { key: string; holdId: string; amountMinor: bigint; reason: string }): Promise<Hold>;
}

const callTimeoutMs = 5_000;

export function natsWalletLink(nc: NatsConnection, credentials: ClientCredentials): WalletLink {
  const call = authorizedRequester(nc, credentials, callTimeoutMs);
  return {
    async charge({ key, presentation, stationId, amountMinor, currency, reference }) {
      const charged = ChargeResponse.decode(
        await call(
          walletRequestSubjects.charge,
          ChargeRequest.encode({
            idempotencyKey: `${key}:charge`,
            amount: { amountMinor, currency },
            presentation,
            reference,
            settlesTap: true,
            stationId,
          }).finish(),
        ),
      );
      if (charged.hold === undefined) throw new Error('the wallet answered a charge without its hold');
      return charged.hold;
    },
    async refund({ key, holdId, amountMinor, reason }) {
      const refunded = RefundResponse.decode(
        await call(
          walletRequestSubjects.refund,
          RefundRequest.encode({
            idempotencyKey: key,
            holdId,
            amountMinor,
            reason,
          }).finish(),
        ),
      );
      if (refunded.hold === undefined) throw new Error('the wallet answered a refund without its hold');
      return refunded.hold;
    },
  };
}
