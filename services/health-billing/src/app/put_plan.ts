// Operators add a version of a coverage plan, effective from a later day than today: bills already open keep the
// version they were opened under, and no adjudication ever changes after the fact. The engine checks the whole
// schedule with the new version before it is stored.
import {
  PutPlanRequest as PutPlanMessage,
  PutPlanResponse as PutPlanAnswer,
  type PutPlanRequest,
  type PutPlanResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { healthBillingReasons } from '@citypass/contracts';
import { alreadyExists, failedPrecondition, invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { isServiceDate } from '../domain/dates.ts';
import { createPlanSchedule } from '../domain/plan_schedule.ts';
import { checkCurrency } from './amounts.ts';
import type { CatalogueCache } from './catalogue.ts';
import { planOf, planRulesOf } from './plan_wire.ts';
import { serviceDateOf } from './service_date.ts';
import type { HealthBillingStore, PlanVersionRecord } from './store.ts';

export interface PlanDeps {
  readonly store: HealthBillingStore;
  readonly catalogue: CatalogueCache;
  readonly currencies: ReadonlySet<string>;
  readonly now: () => number;
}

const planIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

export async function putPlan(deps: PlanDeps, operator: string, request: PutPlanRequest): Promise<PutPlanResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const plan = request.plan;
  if (plan === undefined) throw invalidArgument(healthBillingReasons.PLAN_INVALID, 'plan is required');
  if (!planIdPattern.test(plan.planId))
    throw invalidArgument(healthBillingReasons.PLAN_INVALID, 'plan.plan_id must be 1-64 of A-Z a-z 0-9 . _ -');
  const currency = checkCurrency(plan.currency, deps.currencies);
  if (!isServiceDate(plan.effectiveFrom))
    throw invalidArgument(healthBillingReasons.DATE_INVALID, 'plan.effective_from must be a date YYYY-MM-DD');
  if (plan.effectiveFrom <= serviceDateOf(deps.now()))
    throw invalidArgument(healthBillingReasons.EFFECTIVE_DATE_NOT_FUTURE, 'plan.effective_from must be after today');
  const operation = `${operator}:put_plan`;
  const requestBytes = PutPlanMessage.encode({ ...request, idempotencyKey: '' }).finish();
  return deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return PutPlanAnswer.decode(first);
    if (!(await tx.parties.has(plan.insurer, 'insurer')))
      throw failedPrecondition(healthBillingReasons.INSURER_UNKNOWN, 'the insurer is not onboarded with insure: scope');
    await tx.plans.lock(plan.planId);
    const versions = await tx.plans.versions(plan.planId);
    if (versions.some((each) => each.effectiveFrom === plan.effectiveFrom))
      throw alreadyExists(healthBillingReasons.EFFECTIVE_DATE_TAKEN, 'a version of the plan starts that day already');
    const last = versions.at(-1);
    if (last !== undefined && last.currency !== currency)
      throw invalidArgument(healthBillingReasons.CURRENCY_MISMATCH, "plan.currency must be the plan's currency");
    const record: PlanVersionRecord = {
      planId: plan.planId,
      version: (last?.version ?? 0) + 1,
      insurer: plan.insurer,
      currency,
      effectiveFrom: plan.effectiveFrom,
      rules: planRulesOf(plan, (last?.version ?? 0) + 1),
    };
    scheduleOf([...versions, record], deps.catalogue);
    await tx.plans.add(record, operator, deps.now());
    const response: PutPlanResponse = { plan: planOf(record) };
    await tx.remember(operation, key, PutPlanAnswer.encode(response).finish());
    return response;
  });
}

/** The engine's schedule of a plan's stored versions (oldest first). */
export function scheduleOf(versions: readonly PlanVersionRecord[], catalogue: CatalogueCache) {
  const first = versions[0];
  if (first === undefined) throw new Error('a plan schedule needs a version');
  return createPlanSchedule(
    { planId: first.planId, name: first.planId, currency: first.currency, versions: versions.map((v) => v.rules) },
    catalogue.current,
  );
}
