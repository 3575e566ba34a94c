// Transit's side of the wallet's NATS request/reply: charges that settle verified taps and refunds of fare
// corrections, with transit's own access token (charge:, settle: and refund:transit). A refused token is fetched again
// once (identity may have rotated keys or the token may have just expired).
import { walletReasons, walletRequestSubjects } from '@citypass/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AuthorizeRequest,
  AuthorizeResponse,
  CaptureRequest,
  CaptureResponse,
  RefundRequest,
  RefundResponse,
  VoidRequest,
  type Hold,
} from '@citypass/proto/wallet/v1/wallet';
import { authorizedRequester } from '@citypass/platform/bus';
import type { ClientCredentials } from '@citypass/platform/client_credentials';
import { isDomainError } from '@citypass/platform/errors';

export interface WalletLink {
  /** Authorize against the tap's presentation and capture it all: the fare is charged. */
  charge(input: {
    key: string;
    presentation: string;
    amountMinor: bigint;
    currency: string;
    reference: string;
    holdTtlSeconds?: number;
  }): Promise<Hold>;
  refund(input: { key: string; holdId: string; amountMinor: bigint; reason: string }): Promise<Hold>;
}

const callTimeoutMs = 5_000;

export function natsWalletLink(nc: NatsConnection, credentials: ClientCredentials): WalletLink {
  const call = authorizedRequester(nc, credentials, callTimeoutMs);
  return {
    async charge({ key, presentation, amountMinor, currency, reference, holdTtlSeconds = 0 }) {
      const authorized = AuthorizeResponse.decode(
        await call(
          walletRequestSubjects.authorize,
          AuthorizeRequest.encode({
            idempotencyKey: `${key}:authorize`,
            amount: { amountMinor, currency },
            presentation,
            reference,
            holdTtlSeconds,
            settlesTap: true,
          }).finish(),
        ),
      );
      const holdId = authorized.hold?.holdId ?? '';
      let capturedBytes: Uint8Array;
      try {
        capturedBytes = await call(
          walletRequestSubjects.capture,
          CaptureRequest.encode({ idempotencyKey: `${key}:capture`, holdId, amountMinor }).finish(),
        );
      } catch (error) {
        // The hold ran out before its capture (transit was down for a while): release it now rather than when the
        // wallet's sweeper gets to it, so the next attempt's authorization finds the resident's money free.
        if (isDomainError(error) && error.reason === walletReasons.HOLD_EXPIRED) {
          await call(
            walletRequestSubjects.void,
            VoidRequest.encode({ idempotencyKey: `${key}:void`, holdId }).finish(),
          ).catch(() => undefined);
        }
        throw error;
      }
      const captured = CaptureResponse.decode(capturedBytes);
      if (captured.hold === undefined) throw new Error('the wallet answered a capture without its hold');
      return captured.hold;
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
