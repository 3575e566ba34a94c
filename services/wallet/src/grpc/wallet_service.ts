// WalletService over gRPC: decode -> app -> encode. Services authenticate with identity's JWT access tokens;
// residents' reads authenticate with a presentation in `citypass-presentation` metadata.
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { presentationOf, type GrpcServer, type MethodPolicy } from '@citypass/platform/grpc';
import { authorize } from '../app/authorize.ts';
import { callerFor, residentFor } from '../app/callers.ts';
import type { WalletDeps } from '../app/deps.ts';
import { walletFieldLimits } from '../app/field_limits.ts';
import { capture } from '../app/capture.ts';
import { refund } from '../app/refund.ts';
import { voidHold } from '../app/void_hold.ts';
import { getBalance } from '../app/get_balance.ts';
import { getHold } from '../app/get_hold.ts';
import { listHolds } from '../app/list_holds.ts';
import { listStatement } from '../app/list_statement.ts';
import { settlementReport } from '../app/settlement_report.ts';
import { topUp } from '../app/top_up.ts';

/** The name its gRPC health reports under: NOT_SERVING while the wallet cannot check credentials' status. */
export const walletServiceName = 'citypass.wallet.v1.WalletService';

const service: MethodPolicy = 'authenticated';
const resident: MethodPolicy = 'public';

export function addWalletService(server: GrpcServer, deps: WalletDeps): void {
  server.addService(
    walletServiceName,
    WalletServiceService,
    {
      topUp: (request, context) => topUp(deps, callerFor(context.principal, ['topup']), request, context.deadlineMs),
      authorize: (request, context) =>
        authorize(deps, callerFor(context.principal, ['charge']), request, context.deadlineMs),
      capture: (request, context) =>
        capture(deps, callerFor(context.principal, ['charge']), request, context.deadlineMs),
      void: (request, context) => voidHold(deps, callerFor(context.principal, ['charge']), request, context.deadlineMs),
      refund: (request, context) => refund(deps, callerFor(context.principal, ['refund']), request),
      getHold: async (request, context) => ({
        hold: await getHold(deps, callerFor(context.principal, ['charge', 'read']).service, request.holdId),
      }),
      listHolds: (request, context) =>
        listHolds(
          deps,
          callerFor(context.principal, ['charge', 'read']).service,
          request.status,
          request.pageSize,
          request.pageToken,
        ),
      getSettlementReport: (request, context) =>
        settlementReport(
          deps,
          callerFor(context.principal, ['charge', 'read']).service,
          request.date,
          request.currency,
        ),
      getBalance: async (request, context) =>
        getBalance(deps, await residentFor(deps, presentationOf(context.metadata)), request.currency),
      listStatement: async (request, context) =>
        listStatement(
          deps,
          await residentFor(deps, presentationOf(context.metadata)),
          request.currency,
          request.pageSize,
          request.pageToken,
        ),
    },
    {
      topUp: service,
      authorize: service,
      capture: service,
      void: service,
      refund: service,
      getHold: service,
      listHolds: service,
      getSettlementReport: service,
      getBalance: resident,
      listStatement: resident,
    },
    walletFieldLimits,
  );
}
