// Service categories on the wire (ServiceCategory) and as stored and priced (snake_case names).
import { invalidArgument } from '@citypass/platform/errors';
import { healthBillingReasons } from '@citypass/contracts';
import { ServiceCategory } from '@citypass/proto/health_billing/v1/health_billing';

const prefix = 'SERVICE_CATEGORY_';
const names = new Map<ServiceCategory, string>(
  Object.entries(ServiceCategory)
    .filter(
      (entry): entry is [string, ServiceCategory] =>
        typeof entry[1] === 'number' && entry[1] !== ServiceCategory.SERVICE_CATEGORY_UNSPECIFIED && entry[1] >= 0,
    )
    .map(([key, value]) => [value, key.slice(prefix.length).toLowerCase()]),
);
const values = new Map([...names].map(([value, name]) => [name, value]));

/** The category's stored name (`gp_visit`); UNSPECIFIED and unknown values are CATEGORY_INVALID. */
export function categoryName(category: ServiceCategory): string {
  const name = names.get(category);
  if (name === undefined) throw invalidArgument(healthBillingReasons.CATEGORY_INVALID, 'category must be specified');
  return name;
}

export function categoryOf(name: string): ServiceCategory {
  return values.get(name) ?? ServiceCategory.SERVICE_CATEGORY_UNSPECIFIED;
}

export const categoryNames: readonly string[] = [...values.keys()];
