// HealthBillingService over gRPC: decode -> app -> encode. Operators need `health-billing:admin`; clinics call with
// their own token and must hold `bill:<their client id>`, and then act only on their own bills; insurers hold
// `insure:<their client id>` and reach only the pre-authorizations addressed to them. A clinic or insurer an operator
// suspended is refused (SERVICE_SUSPENDED) with the token it still holds, reads included (they are medical data),
// except voiding a bill and releasing a pre-authorization: both only release money held on residents' and
// insurers' accounts, which would otherwise stay reserved until the holds expire.
import { checkOperatorScope } from '../app/operator_scope.ts';
import { operatorScopes, serviceScope } from '@citypass/contracts';
import { presentationFieldLimit, type ServiceSuspensions, type WhileSuspended } from '@citypass/credential';
import { permissionDenied } from '@citypass/platform/errors';
import type { FieldLimits } from '@citypass/platform/field_limits';
import type { GrpcServer, MethodPolicy, Principal } from '@citypass/platform/grpc';
import { commonReasons } from '@citypass/platform/reasons';
import { HealthBillingServiceService } from '@citypass/proto/health_billing/v1/health_billing';
import { addChargeItem } from '../app/add_charge_item.ts';
import { checkIn } from '../app/check_in.ts';
import { correctBill } from '../app/correct_bill.ts';
import { decidePreauthorization } from '../app/decide_preauthorization.ts';
import { exportFhir } from '../app/export_fhir.ts';
import { getExplanationOfBenefit } from '../app/get_explanation_of_benefit.ts';
import { listClaims } from '../app/list_claims.ts';
import { listMyBills } from '../app/list_my_bills.ts';
import { settlementReport } from '../app/settlement_report.ts';
import type { ViewDeps } from '../app/view_deps.ts';
import { finalizeBill } from '../app/finalize_bill.ts';
import { getBill } from '../app/get_bill.ts';
import { getPreauthorization } from '../app/get_preauthorization.ts';
import { listPlans } from '../app/list_plans.ts';
import { listPreauthorizations } from '../app/list_preauthorizations.ts';
import { payBill } from '../app/pay_bill.ts';
import type { PreauthorizationReader } from '../app/preauthorization_wire.ts';
import { putCodes } from '../app/put_codes.ts';
import { putFeeSchedule } from '../app/put_fee_schedule.ts';
import { putPlan, type PlanDeps } from '../app/put_plan.ts';
import { replaceBill } from '../app/replace_bill.ts';
import { releasePreauthorization } from '../app/release_preauthorization.ts';
import { requestPreauthorization } from '../app/request_preauthorization.ts';
import type { VisitDeps } from '../app/visit_deps.ts';
import { voidClinicBill } from '../app/void_bill.ts';
import { insurerOf, residentOf, viewerOf } from './views.ts';

export const healthBillingServiceName = 'citypass.health_billing.v1.HealthBillingService';

/** The presentations (check-in and mandate) are longer than the default 1,024 characters. */
export const healthBillingFieldLimits: FieldLimits = { presentation: presentationFieldLimit };

const operator: MethodPolicy = { anyScope: [operatorScopes.healthBilling] };
const clinicPolicy: MethodPolicy = 'authenticated';
/** Residents call with a presentation, not a token; ExportFhir checks a clinic's or insurer's token itself. */
const residentPolicy: MethodPolicy = 'public';

export type HealthBillingDeps = VisitDeps & PlanDeps & ViewDeps;

/** The calling clinic: its client id, if its token holds `bill:<client id>` (and, unless the call gives back, it is active). */
function clinicOf(
  suspensions: ServiceSuspensions,
  principal: Principal | undefined,
  whileSuspended: WhileSuspended = 'refused',
): string {
  const clientId = principal?.clientId ?? '';
  if (principal === undefined || !principal.scopes.has(serviceScope('bill', clientId)))
    throw permissionDenied(commonReasons.SCOPE_MISSING, 'clinics call with a token holding bill:<their client id>');
  suspensions.check(clientId, whileSuspended);
  return clientId;
}

/** The calling insurer: its client id, if its token holds `insure:<client id>`. */
/** A clinic (`bill:`) reads the pre-authorizations it asked for; else an insurer (`insure:`) those addressed to it. */
function preauthorizationReaderOf(
  suspensions: ServiceSuspensions,
  principal: Principal | undefined,
): PreauthorizationReader {
  const clientId = principal?.clientId ?? '';
  if (principal?.scopes.has(serviceScope('bill', clientId)) === true)
    return { clinic: clinicOf(suspensions, principal) };
  return { insurer: insurerOf(suspensions, principal) };
}

/** The operator's client id, once operator_scope.ts let them in. */
const operatorOf = (principal: Principal | undefined): string => {
  checkOperatorScope(principal);
  return principal?.clientId ?? 'unknown';
};

export function addHealthBillingService(server: GrpcServer, deps: HealthBillingDeps): void {
  server.addService(
    healthBillingServiceName,
    HealthBillingServiceService,
    {
      putCodes: async (request, context) => {
        const response = await putCodes(deps, operatorOf(context.principal), request);
        await deps.catalogue.reload();
        return response;
      },
      putPlan: (request, context) => putPlan(deps, operatorOf(context.principal), request),
      listPlans: (request, context) => {
        checkOperatorScope(context.principal);
        return listPlans(deps.store, request);
      },
      putFeeSchedule: (request, context) => putFeeSchedule(deps, operatorOf(context.principal), request),
      checkIn: (request, context) => checkIn(deps, clinicOf(deps.suspensions, context.principal), request),
      addChargeItem: (request, context) => addChargeItem(deps, clinicOf(deps.suspensions, context.principal), request),
      finalizeBill: (request, context) => finalizeBill(deps, clinicOf(deps.suspensions, context.principal), request),
      payBill: (request, context) => payBill(deps, clinicOf(deps.suspensions, context.principal), request),
      getBill: (request, context) => getBill(deps, clinicOf(deps.suspensions, context.principal), request),
      correctBill: (request, context) => correctBill(deps, clinicOf(deps.suspensions, context.principal), request),
      voidBill: (request, context) =>
        voidClinicBill(deps, clinicOf(deps.suspensions, context.principal, 'gives_back'), request),
      replaceBill: (request, context) => replaceBill(deps, clinicOf(deps.suspensions, context.principal), request),
      requestPreauthorization: (request, context) =>
        requestPreauthorization(deps, clinicOf(deps.suspensions, context.principal), request),
      decidePreauthorization: (request, context) =>
        decidePreauthorization(deps, insurerOf(deps.suspensions, context.principal), request),
      releasePreauthorization: (request, context) =>
        releasePreauthorization(deps, clinicOf(deps.suspensions, context.principal, 'gives_back'), request),
      getPreauthorization: (request, context) =>
        getPreauthorization(deps, preauthorizationReaderOf(deps.suspensions, context.principal), request),
      listPreauthorizations: (request, context) =>
        listPreauthorizations(deps, preauthorizationReaderOf(deps.suspensions, context.principal), request),
      listClaims: (request, context) => listClaims(deps, insurerOf(deps.suspensions, context.principal), request),
      getSettlementReport: (request, context) =>
        settlementReport(deps.store, insurerOf(deps.suspensions, context.principal), request),
      listMyBills: async (request, context) => listMyBills(deps, await residentOf(deps, context), request),
      getExplanationOfBenefit: async (request, context) =>
        getExplanationOfBenefit(deps, await residentOf(deps, context), request),
      exportFhir: async (request, context) => exportFhir(deps, await viewerOf(deps, context), request),
    },
    {
      putCodes: operator,
      putPlan: operator,
      listPlans: operator,
      putFeeSchedule: operator,
      checkIn: clinicPolicy,
      addChargeItem: clinicPolicy,
      finalizeBill: clinicPolicy,
      payBill: clinicPolicy,
      getBill: clinicPolicy,
      correctBill: clinicPolicy,
      voidBill: clinicPolicy,
      replaceBill: clinicPolicy,
      requestPreauthorization: clinicPolicy,
      decidePreauthorization: 'authenticated',
      releasePreauthorization: clinicPolicy,
      getPreauthorization: 'authenticated',
      listPreauthorizations: 'authenticated',
      listClaims: clinicPolicy,
      getSettlementReport: clinicPolicy,
      listMyBills: residentPolicy,
      getExplanationOfBenefit: residentPolicy,
      exportFhir: residentPolicy,
    },
    healthBillingFieldLimits,
  );
}
