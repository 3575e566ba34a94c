// Operators read a plan's versions, or every plan's.
import type { ListPlansRequest, ListPlansResponse } from '@citypass/proto/health_billing/v1/health_billing';
import { planOf } from './plan_wire.ts';
import type { HealthBillingStore } from './store.ts';

export async function listPlans(store: HealthBillingStore, request: ListPlansRequest): Promise<ListPlansResponse> {
  const versions = request.planId === '' ? await store.plans.all() : await store.plans.versions(request.planId);
  return { versions: versions.map(planOf) };
}
