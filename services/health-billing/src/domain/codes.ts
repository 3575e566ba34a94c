// Service categories and the code catalogue. Every billable code (a consultation, a scan, a lab panel) belongs to
// exactly one category, and a plan's benefits are written per category. The codes are the catalogue owner's own
// (citypass ships an invented sample, sample.ts), not a licensed code set. Pure.
import { addProblem, refuseProblems, type FieldProblem } from './field_problems.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { textProblem } from './ids.ts';

export const serviceCategories = [
  'gp_visit',
  'specialist',
  'imaging',
  'lab',
  'pharmacy',
  'physio',
  'preventive',
  'emergency',
  'mental_health',
  'dental',
] as const;
export type ServiceCategory = (typeof serviceCategories)[number];

/** One value per service category: every category present. */
export type ByCategory<T> = Readonly<Record<ServiceCategory, T>>;

export function isServiceCategory(value: unknown): value is ServiceCategory {
  return typeof value === 'string' && (serviceCategories as readonly string[]).includes(value);
}

/** A table with every category set to `value`. */
export function byCategory<T>(value: T): Record<ServiceCategory, T> {
  const table = {} as Record<ServiceCategory, T>;
  for (const category of serviceCategories) table[category] = value;
  return table;
}

export interface CodeEntry {
  /** 2-16 capital letters, digits, '.' or '-', e.g. 'IM-303'. */
  readonly code: string;
  readonly category: ServiceCategory;
  /** What the code is, for statements and explanations of benefits (1-200 characters). */
  readonly description: string;
}

/** A catalogue that passed createCodeCatalogue: codes unique, each in a known category. */
export interface CodeCatalogue {
  readonly entries: ReadonlyMap<string, CodeEntry>;
  readonly __brand: 'CodeCatalogue';
}

export const maxCatalogueCodes = 10_000;
const codePattern = /^[A-Z0-9][A-Z0-9.-]{1,15}$/;

export function isCode(value: unknown): value is string {
  return typeof value === 'string' && codePattern.test(value);
}

export function codeProblem(value: unknown, field: string): FieldProblem | undefined {
  if (isCode(value)) return undefined;
  return {
    reason: healthBillingReasons.CODE_INVALID,
    field,
    message: "must be 2-16 capital letters, digits, '.' or '-'",
  };
}

export function createCodeCatalogue(entries: readonly CodeEntry[]): CodeCatalogue {
  const problems: FieldProblem[] = [];
  const list: unknown = entries;
  if (!Array.isArray(list) || list.length > maxCatalogueCodes) {
    addProblem(problems, {
      reason: healthBillingReasons.LIST_TOO_LONG,
      field: 'entries',
      message: `must be a list of at most ${maxCatalogueCodes} codes`,
    });
    refuseProblems('code catalogue', problems);
  }
  const map = new Map<string, CodeEntry>();
  entries.forEach((entry, index) => {
    const field = `entries[${index}]`;
    addProblem(problems, codeProblem(entry.code, `${field}.code`));
    if (!isServiceCategory(entry.category))
      addProblem(problems, {
        reason: healthBillingReasons.CATEGORY_UNKNOWN,
        field: `${field}.category`,
        message: `must be one of ${serviceCategories.join(', ')}`,
      });
    addProblem(problems, textProblem(entry.description, `${field}.description`));
    if (map.has(entry.code))
      addProblem(problems, {
        reason: healthBillingReasons.CODE_DUPLICATE,
        field: `${field}.code`,
        message: 'is listed twice',
      });
    map.set(entry.code, entry);
  });
  refuseProblems('code catalogue', problems);
  const catalogue: Omit<CodeCatalogue, '__brand'> = { entries: map };
  return catalogue as CodeCatalogue;
}
