// WalletService over gRPC: decode -> app -> encode. Services authenticate with identity's JWT access tokens;
// residents' reads authenticate with a presentation in `citypass-presentation` metadata. GetBalance naming a payer
// is a payer's read of its own account, naming a service an operator's read (`wallet:admin`) of its merchant
// account: both authenticated with the token here, since the method is open to residents. Operators also read any
// service's holds (one or a page) and settlement report by naming it (app/account_owner.ts), the declines (ListDeclines) and
// the risk engine's decisions (GetRiskDecision), as far as their scope reaches (app/operator_scope.ts); finance and
// admin operators refund a named service's captured holds (Refund with `service`).
import { operatorScopes } from '@citypass/contracts';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import {
  bearerTokenOf,
  presentationOf,
  type CallContext,
  type GrpcServer,
  type MethodPolicy,
  type Principal,
} from '@citypass/platform/grpc';
import { invalidArgument, permissionDenied, unauthenticated } from '@citypass/platform/errors';
import { walletReasons } from '@citypass/contracts';
import { commonReasons } from '@citypass/platform/reasons';
import type { GetBalanceRequest, GetBalanceResponse } from '@citypass/proto/wallet/v1/wallet';
import { accountOwnerFor, checkServiceName, isOperator, refunderFor } from '../app/account_owner.ts';
import { listAuditEvents } from '../app/list_audit_events.ts';
import { actorOf } from '../app/operator_audit.ts';
import {
  auditMerchantOf,
  checkCityRead,
  checkMerchantRead,
  checkRiskRulesAccess,
  serviceOfCityList,
} from '../app/operator_scope.ts';
import { authorize } from '../app/authorize.ts';
import { callerFor, residentFor } from '../app/callers.ts';
import type { WalletDeps } from '../app/deps.ts';
import { walletFieldLimits } from '../app/field_limits.ts';
import { capture } from '../app/capture.ts';
import { charge } from '../app/charge.ts';
import { refund } from '../app/refund.ts';
import { voidHold } from '../app/void_hold.ts';
import { getBalance } from '../app/get_balance.ts';
import { getMerchantBalance } from '../app/get_merchant_balance.ts';
import { getPayerBalance } from '../app/get_payer_balance.ts';
import { getHold } from '../app/get_hold.ts';
import { listHolds } from '../app/list_holds.ts';
import { listDeclines } from '../app/list_declines.ts';
import { getRiskDecision } from '../app/get_risk_decision.ts';
import { getRiskRuleSets, promoteRiskRuleSet, putRiskRuleSetCandidate } from '../app/risk_rules_commands.ts';
import { getRiskShadowReport } from '../app/risk_shadow_report.ts';
import { listStatement } from '../app/list_statement.ts';
import { checksOf, listReconciliationRuns, reconcileAndRecord } from '../app/reconciliation_report.ts';
import { settlementReport } from '../app/settlement_report.ts';
import { topUp } from '../app/top_up.ts';

/** The name its gRPC health reports under: NOT_SERVING while the wallet cannot check credentials' status. */
export const walletServiceName = 'citypass.wallet.v1.WalletService';

const service: MethodPolicy = 'authenticated';
const resident: MethodPolicy = 'public';
const operator: MethodPolicy = { anyScope: [operatorScopes.wallet] };

export function addWalletService(server: GrpcServer, deps: WalletDeps): void {
  server.addService(
    walletServiceName,
    WalletServiceService,
    {
      topUp: (request, context) =>
        topUp(deps, callerFor(deps.suspensions, context.principal, ['topup']), request, context.deadlineMs),
      authorize: (request, context) =>
        authorize(deps, callerFor(deps.suspensions, context.principal, ['charge']), request, context.deadlineMs),
      capture: (request, context) =>
        capture(deps, callerFor(deps.suspensions, context.principal, ['charge']), request, context.deadlineMs),
      void: (request, context) =>
        voidHold(
          deps,
          callerFor(deps.suspensions, context.principal, ['charge'], 'gives_back'),
          request,
          context.deadlineMs,
        ),
      charge: (request, context) =>
        charge(deps, callerFor(deps.suspensions, context.principal, ['charge']), request, context.deadlineMs),
      refund: (request, context) =>
        refund(
          deps,
          refunderFor(deps.suspensions, context.principal, request.service ?? ''),
          request,
          operatorRefunding(context.principal, request.service ?? ''),
        ),
      getHold: async (request, context) => ({
        hold: await getHold(
          deps,
          accountOwnerFor(deps.suspensions, context.principal, request.service ?? ''),
          request.holdId,
        ),
      }),
      listHolds: (request, context) =>
        listHolds(
          deps,
          accountOwnerFor(deps.suspensions, context.principal, request.service ?? ''),
          request.status,
          request.pageSize,
          request.pageToken,
        ),
      getSettlementReport: (request, context) =>
        settlementReport(
          deps,
          accountOwnerFor(deps.suspensions, context.principal, request.service ?? ''),
          request.date,
          request.currency,
        ),
      getReconciliationReport: async (_request, context) => {
        checkCityRead(context.principal);
        const run = await reconcileAndRecord(deps.store.reconciliation, ranByOf(context.principal), deps.now);
        return { inOrder: run.ok, checks: checksOf(run), checkedAt: run.checkedAt, runId: run.id };
      },
      listReconciliationRuns: async (request, context) => {
        checkCityRead(context.principal);
        return listReconciliationRuns(deps.store.reconciliation, request.pageSize, request.pageToken);
      },
      listDeclines: (request, context) => listDeclines(deps, request.date, serviceOfCityList(context.principal)),
      getRiskDecision: async (request) => ({ decision: await getRiskDecision(deps, request) }),
      getRiskRuleSets: (_request, context) => {
        checkRiskRulesAccess(context.principal, false);
        return getRiskRuleSets(deps);
      },
      putRiskRuleSetCandidate: (request, context) => {
        checkRiskRulesAccess(context.principal, true);
        return putRiskRuleSetCandidate(deps, operatorOf(context), actorOf(context.principal), request.ruleSetJson);
      },
      getRiskShadowReport: (_request, context) => {
        checkRiskRulesAccess(context.principal, false);
        return getRiskShadowReport(deps, deps.riskPromotion);
      },
      promoteRiskRuleSet: (request, context) => {
        checkRiskRulesAccess(context.principal, true);
        return promoteRiskRuleSet(
          deps,
          operatorOf(context),
          actorOf(context.principal),
          request.version,
          deps.riskPromotion,
        );
      },
      listAuditEvents: (request, context) => listAuditEvents(deps, auditMerchantOf(context.principal), request),
      getBalance: (request, context) => balance(deps, request, context),
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
      charge: service,
      refund: service,
      getHold: service,
      listHolds: service,
      getSettlementReport: service,
      getReconciliationReport: operator,
      listReconciliationRuns: operator,
      listDeclines: operator,
      getRiskDecision: operator,
      getRiskRuleSets: operator,
      putRiskRuleSetCandidate: operator,
      getRiskShadowReport: operator,
      promoteRiskRuleSet: operator,
      listAuditEvents: operator,
      getBalance: resident,
      listStatement: resident,
    },
    walletFieldLimits,
  );
}

/** Who refunds, for the audit log, when an operator does (a refund naming a service: account_owner.ts). */
function operatorRefunding(principal: Principal | undefined, service: string): string | undefined {
  return service !== '' && isOperator(principal) ? actorOf(principal) : undefined;
}

/** Who changed a rule set, for its row and the log: the operator's subject (the operator client's own id). */
function operatorOf(context: CallContext): string {
  return context.principal?.subject ?? '';
}

async function balance(
  deps: WalletDeps,
  request: GetBalanceRequest,
  context: CallContext,
): Promise<GetBalanceResponse> {
  const payer = request.payer ?? '';
  const service = request.service ?? '';
  if (payer !== '' && service !== '')
    throw invalidArgument(walletReasons.BALANCE_TARGET_INVALID, 'name a payer or a service, not both');
  if (payer === '' && service === '')
    return getBalance(deps, await residentFor(deps, presentationOf(context.metadata)), request.currency);
  const token = bearerTokenOf(context.metadata);
  if (token === '') throw unauthenticated(commonReasons.TOKEN_MISSING, 'this read needs a bearer access token');
  // The server's check with its port's rule: an operator's read on the public port is refused there.
  const principal = await context.authenticate(token);
  if (payer !== '')
    return getPayerBalance(deps, callerFor(deps.suspensions, principal, ['read']), payer, request.currency);
  if (!isOperator(principal))
    throw permissionDenied(commonReasons.SCOPE_MISSING, "a service's balance is read with wallet:admin");
  checkMerchantRead(principal, checkServiceName(service));
  return getMerchantBalance(deps, service, request.currency);
}

/** Who asked for a reconciliation, as its run records it. */
function ranByOf(principal: Principal | undefined): string {
  if (principal === undefined) return 'unknown';
  // A person's subject is already `operator:<username>` (as the audit logs name them).
  return principal.operator === undefined ? `client:${principal.clientId}` : principal.subject;
}
