// The wallet's gRPC reads of transit's own holds (ListHolds, GetHold), with a token that carries only
// `read:<transit's client>`: the reconciliation can read transit's holds and move no money. Every call carries a
// deadline; a hold the wallet does not have for transit is undefined, any other refusal is thrown.
import { walletReasons } from '@citypass/contracts';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import type { ClientCredentials } from '@citypass/platform/client_credentials';
import { isDomainError } from '@citypass/platform/errors';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import type { WalletHoldReads } from '../app/reconcile_with_wallet.ts';

const callTimeoutMs = 10_000;

export function grpcWalletHoldReads(
  address: string,
  credentials: ClientCredentials,
): WalletHoldReads & { close(): void } {
  const wallet = promiseClient(WalletServiceService, address, {
    metadata: async () => bearer(await credentials.token()),
    timeoutMs: callTimeoutMs,
  });
  return {
    async listHolds(pageSize, pageToken) {
      return wallet.listHolds({ status: '', pageSize, pageToken });
    },
    async getHold(holdId) {
      try {
        return (await wallet.getHold({ holdId })).hold;
      } catch (error) {
        if (isDomainError(error) && error.reason === walletReasons.HOLD_NOT_FOUND) return undefined;
        throw error;
      }
    },
    close: () => {
      wallet.close();
    },
  };
}
