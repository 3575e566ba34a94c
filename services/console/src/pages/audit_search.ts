// The audit page's search form read into what both services' ListAuditEvents take, every problem reported at once
// next to its field: who (exactly), action and target prefixes, a range of whole UTC days (the "to" day included),
// and which service's log.
import { auditSources, type AuditSource } from './audit_feed.ts';
import type { FieldError } from './layout.ts';

export interface AuditSearch {
  readonly who: string;
  readonly action: string;
  readonly target: string;
  readonly from: Date | undefined;
  /** The day after "to", midnight UTC: the services take an exclusive end. */
  readonly before: Date | undefined;
  readonly sources: readonly AuditSource[];
}

const dayMs = 86_400_000;
// Identity's limits, the tighter of the two services' (transit takes 128 for each).
const limits = { who: 128, action: 64, target: 128 } as const;

function dayOf(value: string): Date | undefined | 'invalid' {
  if (value === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'invalid';
  const day = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value ? 'invalid' : day;
}

export function auditSearchOf(
  values: Readonly<Record<string, string>>,
): { search: AuditSearch } | { errors: Record<string, FieldError> } {
  const errors: Record<string, FieldError> = {};
  for (const [name, limit] of Object.entries(limits)) {
    const value = values[name] ?? '';
    if (value.length > limit || value.includes('\u0000'))
      errors[name] = { message: `at most ${limit} characters`, reason: 'FILTER_INVALID' };
  }
  const from = dayOf(values.from ?? '');
  const to = dayOf(values.to ?? '');
  if (from === 'invalid') errors.from = { message: 'a day written YYYY-MM-DD', reason: 'DATE_INVALID' };
  if (to === 'invalid') errors.to = { message: 'a day written YYYY-MM-DD', reason: 'DATE_INVALID' };
  const before = to instanceof Date ? new Date(to.getTime() + dayMs) : undefined;
  if (from instanceof Date && before !== undefined && from >= before)
    errors.to = { message: 'the last day is before the first', reason: 'DATE_RANGE_INVALID' };
  const service = values.service ?? '';
  const sources = service === '' || service === 'all' ? auditSources : auditSources.filter((name) => name === service);
  if (sources.length === 0) errors.service = { message: 'identity, transit or all', reason: 'SERVICE_INVALID' };
  if (Object.keys(errors).length > 0) return { errors };
  return {
    search: {
      who: values.who ?? '',
      action: values.action ?? '',
      target: values.target ?? '',
      from: from instanceof Date ? from : undefined,
      before,
      sources,
    },
  };
}
